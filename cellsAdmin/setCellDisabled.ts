import { isCell0 } from '../domain/cell0';
import { cellsTransaction } from './cellsTransaction';
import { CellsAdminError } from './errors';
import { getCell } from './findCell';
import type { ApiClient, CellMapping } from './types';

/**
 * Enables or disables a cell for scheduling; its instances stay reachable either way.
 * Cell0 is never scheduled to, so disabling it means nothing and is REFUSED.
 */
export async function setCellDisabled(api: ApiClient, uuidOrName: string, disabled: boolean): Promise<CellMapping> {
  return cellsTransaction(api, async (tx) => {
    const cell = await getCell(tx, uuidOrName);
    if (disabled && isCell0(cell)) {
      throw new CellsAdminError('REFUSED', `cell: cell0 (${cell.uuid}) cannot be disabled`, 'cell');
    }
    if (cell.disabled === disabled) return cell;
    return tx.cellMapping.update({ where: { id: cell.id }, data: { disabled, updatedAt: new Date() } });
  });
}
