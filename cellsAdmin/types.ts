import type { ApiClient, CellClient } from '../prisma/clients';
import type { Prisma as ApiPrisma } from '../prisma/api/generated/client';
import type { Prisma as CellPrisma } from '../prisma/cell/generated/client';

export type { ApiClient, CellClient };
export type { CellMapping, HostMapping, InstanceMapping } from '../prisma/api/generated/client';

/** The API client inside an interactive transaction. */
export type ApiTx = ApiPrisma.TransactionClient;
/** A cell client inside an interactive transaction. */
export type CellTx = CellPrisma.TransactionClient;

/**
 * Opens a Prisma client on a cell database. The library owns what it opens and
 * releases it when done (with `releaseCell`, default `$disconnect`), so a caller
 * with its own pool passes a `releaseCell` that keeps the client.
 */
export type OpenCell = (databaseUrl: string) => CellClient | Promise<CellClient>;
export type ReleaseCell = (client: CellClient) => Promise<void>;

export interface CellAccess {
  openCell: OpenCell;
  releaseCell?: ReleaseCell;
}
