import { withClient } from './pgClient';

/** Connections the bench's cell subgraphs may hold, each, on one PostgreSQL server. */
export interface PoolBudget {
  maxConnections: number;
  reserved: number;
  /** Left for the global subgraph's pool, the gateway and the bench's own clients. */
  others: number;
  cells: number;
  perCell: number;
}

// The global subgraph's pool (CELLS_DB_POOL_MAX default 10), the gateway's LISTEN and
// the bench's API clients (seeding, mappings): what is not the cells'.
export const OTHERS = 20;
// More than one page's statements at once (the page, then four nested lists in parallel)
// and a concurrent request's page: more did not help on two cores.
export const MAX_PER_CELL = 6;

/**
 * Every cell database of a bench run lives on one PostgreSQL server, so the cells
 * share its max_connections (never raised here): each cell subgraph gets an equal share
 * of what the global subgraph and the bench leave, at most MAX_PER_CELL and at least 1.
 * 10 cells on a server of 100 get 6 each; 50 cells get 1.
 */
export function poolBudget(maxConnections: number, reserved: number, cells: number): PoolBudget {
  const share = Math.floor((maxConnections - reserved - OTHERS) / Math.max(cells, 1));
  return { maxConnections, reserved, others: OTHERS, cells, perCell: Math.max(1, Math.min(MAX_PER_CELL, share)) };
}

/** The budget for `cells` cells on the server at `pgUrl`. */
export async function readPoolBudget(pgUrl: string, cells: number): Promise<PoolBudget> {
  const [max, reserved] = await withClient(pgUrl, async (client) => [
    Number((await client.query('SHOW max_connections')).rows[0].max_connections),
    Number((await client.query('SHOW superuser_reserved_connections')).rows[0].superuser_reserved_connections),
  ]);
  return poolBudget(max, reserved, cells);
}
