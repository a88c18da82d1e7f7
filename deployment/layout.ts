import { withDatabase } from '../prisma/databaseUrl';

/**
 * Where the default deployment puts a cell: database cells_<name> on the PostgreSQL
 * server, vhost cells_<name> on the broker, subgraph on port base + n. The CLI's
 * defaults and the bootstrap both read it from here, so they cannot disagree.
 */
export const CELL_NAMES = ['cell0', 'cell1', 'cell2'] as const;

export function cellDatabaseName(cellName: string): string {
  return `cells_${cellName}`;
}

export function cellDatabaseUrl(pgUrl: string, cellName: string): string {
  return withDatabase(pgUrl, cellDatabaseName(cellName));
}

/** The amqp URL of the cell's vhost (`cells_<name>`) on the broker at `amqpUrl`. */
export function cellTransportUrl(amqpUrl: string, vhost: string): string {
  const parsed = new URL(amqpUrl);
  parsed.pathname = `/${encodeURIComponent(vhost)}`;
  return parsed.toString();
}

/** The cell subgraph of cell n (cell0 = 0) listens on portBase + n. */
export function cellGraphqlUrl(host: string, portBase: number, index: number): string {
  return `http://${host}:${portBase + index}/graphql`;
}
