import type { RunningGateway } from '../gateway/server';
import type { Fleet } from './fleet';

/** Every counter the bench reads, at one moment. */
export interface CounterSnapshot {
  cellRequests: Record<string, number>;
  cellSql: Record<string, number>;
  routerGlobal: number;
  plannedGlobal: number;
  globalSql: number;
}

/** Work per request between two snapshots: requests gateway→cells and →global, SQL statements. */
export interface WorkPerRequest {
  gatewayToCells: { total: number; byCell: Record<string, number> };
  gatewayToGlobal: { router: number; planner: number; total: number };
  sql: {
    cellsTotal: number;
    byCell: Record<string, number>;
    perCellRequest: Record<string, number | null>;
    global: number;
  };
}

/** Reads the counters of `fleet` as seen through `gateway` (cells by name). */
export async function snapshot(fleet: Fleet, gateway: RunningGateway): Promise<CounterSnapshot> {
  const cellRequests: Record<string, number> = {};
  const cellSql: Record<string, number> = {};
  for (const cell of fleet.cells) {
    cellRequests[cell.name] = gateway.router.requestsByCell.get(cell.uuid) ?? 0;
    cellSql[cell.name] = await cell.subgraph.statements();
  }
  return {
    cellRequests,
    cellSql,
    routerGlobal: gateway.global.requests,
    plannedGlobal: gateway.plannedGlobalRequests.count,
    globalSql: fleet.globalStatements.count,
  };
}

/** The difference of two snapshots divided by the number of requests made between them. */
export function perRequest(before: CounterSnapshot, after: CounterSnapshot, requests: number): WorkPerRequest {
  const per = (n: number) => Math.round((n / requests) * 100) / 100;
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
  const requestsByCell = diff(before.cellRequests, after.cellRequests);
  const sqlByCell = diff(before.cellSql, after.cellSql);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((s, n) => s + n, 0);
  const router = after.routerGlobal - before.routerGlobal;
  const planner = after.plannedGlobal - before.plannedGlobal;
  return {
    gatewayToCells: { total: per(sum(requestsByCell)), byCell: mapValues(requestsByCell, per) },
    gatewayToGlobal: { router: per(router), planner: per(planner), total: per(router + planner) },
    sql: {
      cellsTotal: per(sum(sqlByCell)),
      byCell: mapValues(sqlByCell, per),
      // Statements one cell spends on one request it gets: what "constant in page size" is about.
      perCellRequest: mapValues(sqlByCell, (n, k) =>
        requestsByCell[k] ? Math.round((n / requestsByCell[k]) * 100) / 100 : null,
      ),
      global: per(after.globalSql - before.globalSql),
    },
  };
}

function mapValues<T>(record: Record<string, number>, fn: (n: number, key: string) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, n]) => [k, fn(n, k)]));
}
