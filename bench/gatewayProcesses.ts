import path from 'node:path';
import type { GatewayConfig } from '../gateway/config';
import { forkHost, stopHost } from './childHost';

/** N gateway processes over one deployment, as replicas behind a load balancer. */
export interface GatewayProcesses {
  urls: string[];
  /** Their process ids, in the order of urls. */
  pids: number[];
  close(): Promise<void>;
}

/**
 * Starts `count` gateway child processes (bench/gatewayHost.ts) with `config`, each on
 * its own loopback port (config.port must be 0). On a failure the ones started are stopped.
 */
export async function startGatewayProcesses(config: GatewayConfig, count: number): Promise<GatewayProcesses> {
  const started: Awaited<ReturnType<typeof forkHost>>[] = [];
  const close = async () => void (await Promise.all(started.map((s) => stopHost(s.child))));
  try {
    for (let i = 0; i < count; i++)
      started.push(await forkHost(path.join(__dirname, 'gatewayHost.ts'), config, `gateway process ${i + 1}`));
  } catch (err) {
    await close();
    throw err;
  }
  return { urls: started.map((s) => s.url), pids: started.map((s) => s.child.pid!), close };
}
