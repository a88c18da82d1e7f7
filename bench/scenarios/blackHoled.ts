import { startBlackHole } from '../proxies';
import { expectData, type TimedAnswer } from '../client';
import { LIST_DASHBOARD } from '../queries';
import { timedThroughGateway, viaGateway, type LatencyReport, type ScenarioContext } from './context';

export interface BlackHoledReport extends LatencyReport {
  timeoutMs: number;
  blackHoledCell: string;
  /** Every timed answer was complete:false with the black-holed cell TIMEOUT and the others OK. */
  everyAnswerIncomplete: boolean;
  cellTimeoutEveryTime: boolean;
  edges: number;
  cells: { cellName: string; status: string; message: string | null }[];
}

/**
 * one-cell-black-holed: list-50-dashboard through a gateway whose cell timeout is
 * `--timeout-ms`, while one cell's mapping points at a TCP server that accepts and
 * never answers. The mapping is restored afterwards. The gateway's circuits are off
 * (CELLS_CIRCUIT_FAILURES=0), so every run pays the timeout: what a request that meets
 * a frozen cell costs (one-cell-frozen measures the circuit).
 */
export async function oneCellBlackHoled(ctx: ScenarioContext): Promise<BlackHoledReport> {
  const { fleet, options } = ctx;
  const victim = fleet.cells[fleet.cells.length - 1];
  const hole = await startBlackHole();
  const gateway = await fleet.startGateway(options.timeoutMs, { circuit: { failures: 0, cooldownMs: 1 } });
  let incomplete = true;
  let timedOut = true;
  const check = (answer: TimedAnswer) => {
    const connection = expectData(answer, 'one-cell-black-holed').instances;
    if (connection.edges.length !== 50)
      throw new Error(`one-cell-black-holed: expected 50 edges, got ${connection.edges.length}`);
    const statuses = connection.cells as { cellName: string; status: string }[];
    incomplete &&= connection.complete === false;
    timedOut &&= statuses.every((c) => (c.cellName === victim.name ? c.status === 'TIMEOUT' : c.status === 'OK'));
  };
  try {
    await fleet.repoint(victim, hole.url);
    const { report, measured } = await timedThroughGateway(
      ctx,
      gateway,
      () => viaGateway(ctx, gateway, LIST_DASHBOARD, { first: 50 }),
      check,
    );
    const last = expectData(measured.last, 'one-cell-black-holed').instances;
    return {
      ...report,
      timeoutMs: options.timeoutMs,
      blackHoledCell: victim.name,
      everyAnswerIncomplete: incomplete,
      cellTimeoutEveryTime: timedOut,
      edges: last.edges.length,
      cells: last.cells,
    };
  } finally {
    await fleet.repoint(victim, victim.subgraph.url);
    await gateway.close();
    await hole.close();
  }
}
