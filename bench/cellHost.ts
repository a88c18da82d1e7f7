/**
 * Child-process entry of `--hosting processes`: one cell subgraph per process, its
 * spec as argv[2] (JSON). Answers the bench's `statements` questions over IPC and
 * stops on `close` or when the bench goes away.
 */
import { startCountingCell, type CellHostSpec, type HostMessage } from './hostedCell';
import { installMemoryProbe } from './memoryProbe';

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as CellHostSpec;
  const { subgraph, statements } = await startCountingCell(spec);
  const send = (m: HostMessage) => process.send?.(m);
  installMemoryProbe();
  process.on('message', async (m: { type: string; id?: number }) => {
    if (m.type === 'statements') send({ type: 'statements', id: m.id ?? 0, count: statements() });
    if (m.type === 'close') {
      await subgraph.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => void subgraph.close().finally(() => process.exit(0)));
  send({ type: 'ready', url: subgraph.url });
}

main().catch((err) => {
  process.send?.({ type: 'failed', message: (err as Error).message });
  process.exit(1);
});
