/**
 * Child-process entry of `--gateways N` (N >= 2): one gateway per process, its
 * GatewayConfig as argv[2] (JSON), on its own loopback port over the fleet's global
 * subgraph and cells, as replicas behind a load balancer. Stops on `close` or when
 * the bench goes away.
 */
import type { GatewayConfig } from '../gateway/config';
import { startGateway } from '../gateway/server';
import { serveHost } from './childHost';

serveHost((config: GatewayConfig) => startGateway(config));
