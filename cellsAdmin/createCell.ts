import { randomUUID } from 'node:crypto';
import { cellsTransaction } from './cellsTransaction';
import { CellsAdminError, quote } from './errors';
import type { ApiClient, CellMapping } from './types';
import { assertUniqueCell } from './uniqueCell';
import { checkDatabaseUrl, checkGraphqlUrl, checkName, checkTransportUrl, checkUuid } from './validation';

export interface CreateCellInput {
  name: string;
  databaseConnection: string;
  transportUrl: string;
  graphqlUrl: string;
  /** A new cell may start disabled: mapped and reachable, but not picked for new instances. */
  disabled?: boolean;
  uuid?: string;
}

/**
 * Adds a cell mapping. Refuses bad URLs (BAD_INPUT) and a name, database or
 * transport another cell already has (CONFLICT), writing nothing.
 */
export async function createCell(api: ApiClient, input: CreateCellInput): Promise<CellMapping> {
  const data = {
    uuid: input.uuid === undefined ? randomUUID() : checkUuid('uuid', input.uuid),
    name: checkName('name', input.name),
    databaseConnection: checkDatabaseUrl('databaseConnection', input.databaseConnection),
    transportUrl: checkTransportUrl('transportUrl', input.transportUrl),
    graphqlUrl: checkGraphqlUrl('graphqlUrl', input.graphqlUrl),
    disabled: input.disabled ?? false,
  };
  return cellsTransaction(api, async (tx) => {
    if (await tx.cellMapping.findUnique({ where: { uuid: data.uuid } })) {
      throw new CellsAdminError('CONFLICT', `uuid: a cell with uuid ${quote(data.uuid)} already exists`, 'uuid');
    }
    await assertUniqueCell(tx, data);
    return tx.cellMapping.create({ data });
  });
}
