import { GATEWAY_DEFAULTS } from '../../gateway/config';
import { startBlackHole } from '../proxies';
import { expectData, type TimedAnswer } from '../client';
import { perRequest, snapshot } from '../counters';
import { LIST_DASHBOARD } from '../queries';
import { summarize } from '../stats';
import { expectPage } from './lists';
import { viaGateway, type LatencyReport, type ScenarioContext } from './context';

export interface FrozenReport extends LatencyReport {
  timeoutMs: number;
  frozenCell: string;
  circuit: { failures: number; cooldownMs: number };
  /** The first request after the cell froze: it waits for the cell's timeout. */
  firstMs: number;
  /** Requests of the timed runs that reached the frozen cell (the circuit opens after `failures`). */
  frozenCellRequests: number;
  /** Timed runs whose frozen-cell row said the circuit skipped it. */
  skipped: number;
  /** Every answer (first included) was complete:false with the frozen cell TIMEOUT and the others OK. */
  everyAnswerIncomplete: boolean;
  cellTimeoutEveryTime: boolean;
  cells: { cellName: string; status: string; message: string | null }[];
}

/**
 * one-cell-frozen: list-50-dashboard through a gateway with the default circuit and a
 * cell timeout of `--timeout-ms`, warmed up with every cell healthy; then one cell's
 * mapping points at a TCP server that accepts and never answers. The first request pays
 * the timeout; the `--runs` consecutive requests after it are timed (the circuit opens
 * after CELLS_CIRCUIT_FAILURES timeouts, so the runs before that pay it too).
 */
export async function oneCellFrozen(ctx: ScenarioContext): Promise<FrozenReport> {
  const { fleet, options } = ctx;
  const victim = fleet.cells[fleet.cells.length - 1];
  const hole = await startBlackHole();
  const gateway = await fleet.startGateway(options.timeoutMs);
  const send = () => viaGateway(ctx, gateway, LIST_DASHBOARD, { first: 50 });
  let incomplete = true;
  let timedOut = true;
  let skipped = 0;
  const check = (answer: TimedAnswer) => {
    const connection = expectData(answer, 'one-cell-frozen').instances;
    if (connection.edges.length !== 50)
      throw new Error(`one-cell-frozen: expected 50 edges, got ${connection.edges.length}`);
    const rows = connection.cells as { cellName: string; status: string; message: string | null }[];
    incomplete &&= connection.complete === false;
    timedOut &&= rows.every((c) => (c.cellName === victim.name ? c.status === 'TIMEOUT' : c.status === 'OK'));
    return rows;
  };
  try {
    for (let i = 0; i < options.warmup; i++)
      expectPage('one-cell-frozen (warm-up, every cell healthy)', 50)(await send());
    await fleet.repoint(victim, hole.url);
    const first = await send();
    check(first);
    const start = await snapshot(fleet, gateway);
    const runs: TimedAnswer[] = [];
    for (let i = 0; i < options.runs; i++) {
      const answer = await send();
      const row = check(answer).find((c) => c.cellName === victim.name);
      if (row?.message?.startsWith('circuit open')) skipped++;
      runs.push(answer);
    }
    const end = await snapshot(fleet, gateway);
    const last = runs[runs.length - 1];
    return {
      timing: summarize(runs.map((r) => r.ms)),
      perRequest: perRequest(start, end, options.runs),
      responseBytes: last.bytes,
      timeoutMs: options.timeoutMs,
      frozenCell: victim.name,
      circuit: { ...GATEWAY_DEFAULTS.circuit },
      firstMs: Math.round(first.ms * 10) / 10,
      frozenCellRequests: end.cellRequests[victim.name] - start.cellRequests[victim.name],
      skipped,
      everyAnswerIncomplete: incomplete,
      cellTimeoutEveryTime: timedOut,
      cells: expectData(last, 'one-cell-frozen').instances.cells,
    };
  } finally {
    await fleet.repoint(victim, victim.subgraph.url);
    await gateway.close();
    await hole.close();
  }
}
