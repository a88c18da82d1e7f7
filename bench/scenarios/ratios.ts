import { internal, post } from '../client';
import { BENCH_SECRET } from '../fleet';
import { LIST_DETAIL, LIST_DETAIL_DIRECT } from '../queries';
import { expectPage, list1000Detail } from './lists';
import { timedThroughGateway, viaGateway, type LatencyReport, type ScenarioContext } from './context';
import { pageSql, type PageSqlReport } from './pageSql';
import { cellSql, type CellSqlReport } from './dataFloor';

/** Measurements on the one-big-cell setup that the sharding and federation ratios divide by. */
export interface OneCellReport {
  list1000DetailViaGateway: LatencyReport;
  list1000DirectToCell: LatencyReport;
  sqlPerPageViaGateway: PageSqlReport;
  sqlPerPageDirect: PageSqlReport;
  /** The same page's SQL alone (issue 14: the cell straight ≤ 2.5 × its own SQL). */
  cellSql: CellSqlReport;
}

/**
 * On a fleet of ONE cell holding every row: list-1000-detail through the gateway
 * (the sharding ratio's denominator) and the same page straight to the cell subgraph
 * with the internal headers (the federation ratio's denominator). Straight to the cell
 * the page carries the fields a cell owns: `flavor { id }` and no `cell`, which are
 * exactly the two joins federation adds.
 */
export async function oneCellBaseline(ctx: ScenarioContext): Promise<OneCellReport> {
  const { gateway, cells } = ctx.fleet;
  const cell = cells[0];
  const direct = (first: number) => post(cell.subgraph.url, internal(BENCH_SECRET), LIST_DETAIL_DIRECT, { first });
  const throughGateway = await list1000Detail(ctx);
  const { report: directReport } = await timedThroughGateway(
    ctx,
    gateway,
    () => direct(1000),
    expectPage('list-1000-direct', 1000),
  );
  return {
    list1000DetailViaGateway: throughGateway,
    list1000DirectToCell: directReport,
    sqlPerPageViaGateway: await pageSql(ctx, gateway, (first) => viaGateway(ctx, gateway, LIST_DETAIL, { first })),
    sqlPerPageDirect: await pageSql(ctx, gateway, direct),
    cellSql: await cellSql(ctx),
  };
}
