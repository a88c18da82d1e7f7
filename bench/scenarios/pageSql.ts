import type { RunningGateway } from '../../gateway/server';
import { expectData, type TimedAnswer } from '../client';
import { perRequest, snapshot } from '../counters';
import type { ScenarioContext } from './context';

/** SQL statements one cell spends answering one page request, for each page size asked. */
export interface PageSqlReport {
  /** Highest statements-per-cell-request over the cells asked, by page size. */
  perCellPerPage: Record<string, number>;
  /** Requests each cell got for one page, by page size (1 = no extra merge round). */
  cellRequestsPerPage: Record<string, number>;
}

/**
 * Sends one page of each size (after one untimed page, so lazy connections and the
 * schema checks are behind us) and counts the statements every cell ran for it.
 */
export async function pageSql(
  ctx: ScenarioContext,
  gateway: RunningGateway,
  send: (first: number) => Promise<TimedAnswer>,
  sizes = [50, 1000],
): Promise<PageSqlReport> {
  const perCellPerPage: Record<string, number> = {};
  const cellRequestsPerPage: Record<string, number> = {};
  for (const first of sizes) {
    expectData(await send(first), `page of ${first}`);
    const before = await snapshot(ctx.fleet, gateway);
    expectData(await send(first), `page of ${first}`);
    const work = perRequest(before, await snapshot(ctx.fleet, gateway), 1);
    perCellPerPage[`first=${first}`] = Math.max(...Object.values(work.sql.perCellRequest).map((n) => n ?? 0), 0);
    cellRequestsPerPage[`first=${first}`] = Math.max(...Object.values(work.gatewayToCells.byCell), 0);
  }
  return { perCellPerPage, cellRequestsPerPage };
}
