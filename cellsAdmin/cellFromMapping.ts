import { getCell } from './';
import { createApiClient } from '../prisma/clients';

/** What a cell subgraph or compute agent needs from a cell mapping. */
export interface CellTarget {
  cellUuid: string;
  cellName: string;
  databaseUrl: string;
  transportUrl: string;
  /** The port of the mapping's graphql_url; null when it has none. */
  port: number | null;
}

/** Reads the cell mapping `uuidOrName` from the API database (one short-lived connection). */
export async function cellFromMapping(apiDatabaseUrl: string, uuidOrName: string): Promise<CellTarget> {
  const api = createApiClient(apiDatabaseUrl, { max: 1 });
  try {
    const cell = await getCell(api, uuidOrName, '--cell');
    if (!cell.databaseConnection) throw new Error(`cell ${uuidOrName} has no database_connection`);
    return {
      cellUuid: cell.uuid,
      cellName: cell.name ?? cell.uuid,
      databaseUrl: cell.databaseConnection,
      transportUrl: cell.transportUrl ?? 'none:///',
      port: portOf(cell.graphqlUrl ?? null),
    };
  } finally {
    await api.$disconnect();
  }
}

function portOf(graphqlUrl: string | null): number | null {
  if (!graphqlUrl) return null;
  const parsed = new URL(graphqlUrl);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}
