import { cellsTransaction } from './cellsTransaction';
import { CellsAdminError } from './errors';
import { getCell } from './findCell';
import type { ApiClient, CellMapping } from './types';
import { assertUniqueCell } from './uniqueCell';
import { checkDatabaseUrl, checkGraphqlUrl, checkName, checkTransportUrl } from './validation';

export interface UpdateCellInput {
  name?: string;
  databaseConnection?: string;
  transportUrl?: string;
  graphqlUrl?: string;
}

/**
 * Changes a cell mapping's name or URLs; the fields left out keep their values.
 * Same checks as createCell; an update naming no field is BAD_INPUT.
 */
export async function updateCell(api: ApiClient, uuidOrName: string, input: UpdateCellInput): Promise<CellMapping> {
  const data: UpdateCellInput = {};
  if (input.name !== undefined) data.name = checkName('name', input.name);
  if (input.databaseConnection !== undefined)
    data.databaseConnection = checkDatabaseUrl('databaseConnection', input.databaseConnection);
  if (input.transportUrl !== undefined) data.transportUrl = checkTransportUrl('transportUrl', input.transportUrl);
  if (input.graphqlUrl !== undefined) data.graphqlUrl = checkGraphqlUrl('graphqlUrl', input.graphqlUrl);
  if (Object.keys(data).length === 0) {
    throw new CellsAdminError(
      'BAD_INPUT',
      'update: expected at least one of name, databaseConnection, transportUrl, graphqlUrl, got none',
      'update',
    );
  }
  return cellsTransaction(api, async (tx) => {
    const cell = await getCell(tx, uuidOrName);
    await assertUniqueCell(tx, data, cell.id);
    return tx.cellMapping.update({ where: { id: cell.id }, data: { ...data, updatedAt: new Date() } });
  });
}
