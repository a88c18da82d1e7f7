import { setTimeout as sleep } from 'node:timers/promises';
import { expectData } from '../client';
import type { Fleet } from '../fleet';
import { cellPageSql, dataFloorPage, floorPools } from '../floor';
import { measure } from '../measure';
import { LIST_DETAIL } from '../queries';
import type { TimingSummary } from '../stats';
import { viaGateway, type ScenarioContext } from './context';

export interface DataFloorReport {
  timing: TimingSummary;
  responseBytes: number;
  /** Connections per cell database, as each cell subgraph has. */
  poolMax: number;
  /** The floor's page has the gateway's rows, in the gateway's order. */
  sameRowsAsGateway: boolean;
}

/** The cell subgraph's own SQL for the page it answered straight (issue 14's `cellSql`). */
export interface CellSqlReport {
  timing: TimingSummary;
  statementsPerPage: number;
  poolMax: number;
}

// The cell subgraphs' pools close after their idle time: waiting that out first keeps
// the floor's connections within the same budget (never both sets open at once).
const waitForIdlePools = (fleet: Fleet) => sleep(fleet.cellPoolIdleMs + 500);

/**
 * data-floor: list-1000-detail's page with `pg` directly (bench/floor.ts), timed like
 * every scenario. Checks once that its rows are the gateway's, in the same order.
 */
export async function dataFloor(ctx: ScenarioContext): Promise<DataFloorReport> {
  const { fleet, options } = ctx;
  const viaGatewayPage = expectData(await viaGateway(ctx, fleet.gateway, LIST_DETAIL, { first: 1000 }), 'data-floor');
  const expected = (viaGatewayPage.instances.edges as { node: { uuid: string } }[]).map((e) => e.node.uuid);
  await waitForIdlePools(fleet);
  const pools = floorPools(fleet.apiUrl, fleet.cells, fleet.cellPoolMax);
  try {
    const measured = await measure(
      async () => {
        const started = performance.now();
        const text = await dataFloorPage(pools, 1000);
        return { ms: performance.now() - started, text };
      },
      { warmup: options.warmup, runs: options.runs, msOf: (r) => r.ms },
    );
    const got = (JSON.parse(measured.last.text).data.instances.edges as { node: { uuid: string } }[]).map(
      (e) => e.node.uuid,
    );
    return {
      timing: measured.timing,
      responseBytes: measured.last.text.length,
      poolMax: fleet.cellPoolMax,
      sameRowsAsGateway: got.length === expected.length && got.every((uuid, i) => uuid === expected[i]),
    };
  } finally {
    await pools.close();
  }
}

/**
 * The SQL time of the cell subgraph's 1000-row detail page, on the one-cell fleet: the
 * page statement, then its four nested statements in parallel, as the subgraph runs
 * them, over a pool of the subgraph's size. Wall time per page.
 */
export async function cellSql(ctx: ScenarioContext): Promise<CellSqlReport> {
  const { fleet, options } = ctx;
  const cell = fleet.cells[0];
  await waitForIdlePools(fleet);
  // The API pool beside it is never used, so it opens no connection.
  const pools = floorPools(fleet.apiUrl, [cell], fleet.cellPoolMax);
  const pool = pools.cells[0].pool;
  try {
    const measured = await measure(
      async () => {
        const page = await cellPageSql(pool, cell.uuid, 1000, null);
        if (page.rows.length !== 1000) throw new Error(`cell-sql: expected 1000 rows, got ${page.rows.length}`);
        return page;
      },
      { warmup: options.warmup, runs: options.runs, msOf: (r) => r.sqlMs },
    );
    return { timing: measured.timing, statementsPerPage: measured.last.statements, poolMax: fleet.cellPoolMax };
  } finally {
    await pools.close();
  }
}
