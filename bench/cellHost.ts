/**
 * Child-process entry of `--hosting processes` (one cell subgraph per process) and
 * `--hosting cells-process` (every cell subgraph in one process, as `start:cell --cell a
 * --cell b` runs them): the specs as argv[2] (a JSON array), started one after the other.
 * Answers the bench's `statements` questions (by the cell's index) over IPC and stops on
 * `close` or when the bench goes away.
 */
import { serveHost } from './childHost';
import { startCountingCell, type CellHostSpec, type HostMessage } from './hostedCell';
import { startTracing, stopTracing } from '../infrastructure/tracing';

serveHost(
  async (specs: CellHostSpec[]) => {
    startTracing(specs.length === 1 ? `cells-cell-${specs[0].cellName}` : 'cells-cell');
    const cells: Awaited<ReturnType<typeof startCountingCell>>[] = [];
    for (const spec of specs) cells.push(await startCountingCell(spec));
    const urls = cells.map((c) => c.subgraph.url);
    const close = async () => {
      await Promise.all(cells.map((c) => c.subgraph.close()));
      await stopTracing();
    };
    return { url: urls[0], urls, close, statements: (cell: number) => cells[cell].statements() };
  },
  (running, m) => {
    if (m.type === 'statements')
      process.send?.({
        type: 'statements',
        id: m.id ?? 0,
        count: running.statements(m.cell ?? 0),
      } satisfies HostMessage);
  },
);
