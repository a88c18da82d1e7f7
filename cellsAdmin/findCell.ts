import { CellsAdminError, quote } from './errors';
import type { ApiClient, ApiTx, CellMapping } from './types';
import { isUuid } from './validation';

/** The cell mapping with this uuid or name, or null. A UUID is looked up as a uuid first. */
export async function findCell(api: ApiClient | ApiTx, uuidOrName: string): Promise<CellMapping | null> {
  if (isUuid(uuidOrName)) {
    const byUuid = await api.cellMapping.findUnique({ where: { uuid: uuidOrName.toLowerCase() } });
    if (byUuid) return byUuid;
  }
  return api.cellMapping.findFirst({ where: { name: uuidOrName }, orderBy: { id: 'asc' } });
}

/** Like findCell, but a missing cell is a NOT_FOUND error naming it. */
export async function getCell(api: ApiClient | ApiTx, uuidOrName: string, field = 'cell'): Promise<CellMapping> {
  const cell = await findCell(api, uuidOrName);
  if (!cell) throw new CellsAdminError('NOT_FOUND', `${field}: no cell with uuid or name ${quote(uuidOrName)}`, field);
  return cell;
}
