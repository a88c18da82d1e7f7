import { isCell0 } from '../domain/cell0';
import type { ApiClient, ApiTx, CellMapping } from './types';

/** Every cell mapping, cell0 first, then by name. */
export async function listCells(api: ApiClient | ApiTx): Promise<CellMapping[]> {
  const cells = await api.cellMapping.findMany({ orderBy: [{ name: 'asc' }, { id: 'asc' }] });
  return [...cells.filter(isCell0), ...cells.filter((cell) => !isCell0(cell))];
}
