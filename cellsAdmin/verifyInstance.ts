import type { ApiClient, CellAccess, CellMapping } from './types';
import { checkUuid } from './validation';
import { withCell } from './withCell';

/** What the index knows of an instance; `nova-manage cell_v2 verify_instance`'s answers. */
export type InstanceVerification =
  | { status: 'mapped'; cell: CellMapping }
  | { status: 'no-mapping' }
  | { status: 'not-scheduled' }
  | { status: 'deleted'; cell?: CellMapping };

/** The `cells verify-instance` exit code of each status. */
export function verificationExitCode(verification: InstanceVerification): 0 | 1 | 2 | 3 {
  switch (verification.status) {
    case 'mapped':
      return 0;
    case 'no-mapping':
      return 1;
    case 'not-scheduled':
      return 2;
    case 'deleted':
      return 3;
    default: {
      const never: never = verification;
      throw new Error(`unknown verification ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Whether instance `uuid` is mapped to a cell. A mapping queued for delete is
 * 'deleted'; with `openCell`, so is a mapped instance whose row the cell has
 * soft-deleted (or lost), as Nova checks the cell database too.
 */
export async function verifyInstance(api: ApiClient, uuid: string, access?: CellAccess): Promise<InstanceVerification> {
  const instanceUuid = checkUuid('uuid', uuid);
  const mapping = await api.instanceMapping.findUnique({ where: { instanceUuid }, include: { cell: true } });
  if (!mapping) return { status: 'no-mapping' };
  if (!mapping.cell) return mapping.queuedForDelete ? { status: 'deleted' } : { status: 'not-scheduled' };
  const cell = mapping.cell;
  if (mapping.queuedForDelete) return { status: 'deleted', cell };
  if (access) {
    const row = await withCell(access, cell.databaseConnection, (client) =>
      client.instance.findUnique({ where: { uuid: instanceUuid }, select: { deleted: true } }),
    );
    if (!row || row.deleted !== 0) return { status: 'deleted', cell };
  }
  return { status: 'mapped', cell };
}
