/**
 * Child-process entry of the memory scenario's gateway (bench/scenarios/memory.ts): a
 * gateway over the fleet's global subgraph, its config as argv[2] (JSON), answering
 * the bench's memory questions over IPC; stops on `close` or when the bench goes away.
 */
import type { GatewayConfig } from '../gateway/config';
import { startGateway } from '../gateway/server';
import { installMemoryProbe } from './memoryProbe';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as GatewayConfig;
  const gateway = await startGateway(config);
  installMemoryProbe();
  process.on('message', async (m: { type: string }) => {
    if (m.type === 'close') {
      await gateway.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => void gateway.close().finally(() => process.exit(0)));
  process.send?.({ type: 'ready', url: gateway.url });
}

main().catch((err) => {
  process.send?.({ type: 'failed', message: (err as Error).message });
  process.exit(1);
});
