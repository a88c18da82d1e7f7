import { CellsAdminError, quote } from './errors';
import { maskUrl } from '../prisma/databaseUrl';
import { sameEndpoint } from './sameEndpoint';
import type { ApiTx } from './types';
import { NO_TRANSPORT } from './validation';

export interface CellIdentity {
  name?: string;
  databaseConnection?: string;
  transportUrl?: string;
}

/**
 * Refuses (CONFLICT) a name, database or transport that another cell already has.
 * Cells without a queue all share `none:///`. Run inside cellsTransaction so two
 * writers cannot both pass.
 */
export async function assertUniqueCell(tx: ApiTx, wanted: CellIdentity, exceptId?: number): Promise<void> {
  const others = (await tx.cellMapping.findMany()).filter((cell) => cell.id !== exceptId);
  for (const other of others) {
    const label = `cell ${quote(other.name ?? other.uuid)} (${other.uuid})`;
    if (wanted.name !== undefined && other.name === wanted.name) {
      throw new CellsAdminError('CONFLICT', `name: ${quote(wanted.name)} is already the name of ${label}`, 'name');
    }
    if (wanted.databaseConnection !== undefined && sameEndpoint(other.databaseConnection, wanted.databaseConnection)) {
      throw new CellsAdminError(
        'CONFLICT',
        `databaseConnection: ${quote(maskUrl(wanted.databaseConnection))} is the database of ${label}`,
        'databaseConnection',
      );
    }
    if (
      wanted.transportUrl !== undefined &&
      wanted.transportUrl !== NO_TRANSPORT &&
      sameEndpoint(other.transportUrl, wanted.transportUrl)
    ) {
      throw new CellsAdminError(
        'CONFLICT',
        `transportUrl: ${quote(maskUrl(wanted.transportUrl))} is the transport of ${label}`,
        'transportUrl',
      );
    }
  }
}
