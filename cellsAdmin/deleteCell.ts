import { isCell0 } from '../domain/cell0';
import { cellsTransaction } from './cellsTransaction';
import { CellsAdminError, quote } from './errors';
import { getCell } from './findCell';
import type { ApiClient, CellMapping } from './types';

export interface DeleteCellResult {
  cell: CellMapping;
  /** Host mappings removed (there are some only with force). */
  hostsUnmapped: number;
  /** Instance mappings whose cell was cleared (live ones only with force). */
  instancesUnmapped: number;
}

/**
 * Removes a cell mapping. Refuses (REFUSED) while hosts or live instances (not
 * queued for delete) are mapped to it, or when it is cell0, unless `force`: then
 * its host mappings go and its instance mappings lose their cell, in one transaction.
 */
export async function deleteCell(
  api: ApiClient,
  uuidOrName: string,
  options: { force?: boolean } = {},
): Promise<DeleteCellResult> {
  return cellsTransaction(api, async (tx) => {
    const cell = await getCell(tx, uuidOrName);
    const label = `cell ${quote(cell.name ?? cell.uuid)} (${cell.uuid})`;
    if (!options.force) {
      if (isCell0(cell))
        throw new CellsAdminError('REFUSED', `cell: ${label} is cell0; use force to delete it`, 'cell');
      const hosts = await tx.hostMapping.count({ where: { cellId: cell.id } });
      if (hosts > 0) {
        throw new CellsAdminError(
          'REFUSED',
          `cell: ${label} still has ${hosts} host(s) mapped; use force to unmap them`,
          'cell',
        );
      }
      const live = await tx.instanceMapping.count({ where: { cellId: cell.id, queuedForDelete: false } });
      if (live > 0) {
        throw new CellsAdminError(
          'REFUSED',
          `cell: ${label} still has ${live} instance(s) mapped; use force to unmap them`,
          'cell',
        );
      }
    }
    const hosts = await tx.hostMapping.deleteMany({ where: { cellId: cell.id } });
    const instances = await tx.instanceMapping.updateMany({
      where: { cellId: cell.id },
      data: { cellId: null, updatedAt: new Date() },
    });
    await tx.cellMapping.delete({ where: { id: cell.id } });
    return { cell, hostsUnmapped: hosts.count, instancesUnmapped: instances.count };
  });
}
