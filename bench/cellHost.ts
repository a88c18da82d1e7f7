/**
 * Child-process entry of `--hosting processes`: one cell subgraph per process, its
 * spec as argv[2] (JSON). Answers the bench's `statements` questions over IPC and
 * stops on `close` or when the bench goes away.
 */
import { serveHost } from './childHost';
import { startCountingCell, type CellHostSpec, type HostMessage } from './hostedCell';
import { startTracing, stopTracing } from '../infrastructure/tracing';

serveHost(
  async (spec: CellHostSpec) => {
    startTracing(`cells-cell-${spec.cellName}`);
    const { subgraph, statements } = await startCountingCell(spec);
    const close = async () => {
      await subgraph.close();
      await stopTracing();
    };
    return { url: subgraph.url, close, statements };
  },
  (running, m) => {
    if (m.type === 'statements')
      process.send?.({ type: 'statements', id: m.id ?? 0, count: running.statements() } satisfies HostMessage);
  },
);
