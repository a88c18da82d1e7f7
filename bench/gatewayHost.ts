/**
 * Child-process entry of `--gateways N` (N >= 2): one gateway per process, its
 * GatewayConfig as argv[2] (JSON), on its own loopback port over the fleet's global
 * subgraph and cells, as replicas behind a load balancer. Stops on `close` or when
 * the bench goes away.
 */
import type { GatewayConfig } from '../gateway/config';
import { startGateway } from '../gateway/server';
import { startTracing, stopTracing } from '../infrastructure/tracing';
import { serveHost } from './childHost';

serveHost(async (config: GatewayConfig) => {
  startTracing('cells-gateway');
  const gateway = await startGateway(config);
  const close = async () => {
    await gateway.close();
    await stopTracing();
  };
  return { url: gateway.url, close };
});
