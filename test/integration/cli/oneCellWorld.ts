import { createApiClient, createCellClient, type ApiClient, type CellClient } from '../../../prisma/clients';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { cells } from './runCli';

/** An API database with one cell, `cell1`, mapped through the command; clients on both. */
export interface OneCellWorld {
  apiDb: TestDatabase;
  cellDb: TestDatabase;
  api: ApiClient;
  cell: CellClient;
  /** The environment a command needs to reach the API database. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startOneCellWorld(label: string): Promise<OneCellWorld> {
  const [apiDb, cellDb] = await Promise.all([
    createTestDatabase('api', label),
    createTestDatabase('cell', `${label}_c1`),
  ]);
  const env = { CELLS_API_DATABASE_URL: apiDb.url };
  const created = await cells(
    env,
    'create-cell',
    '--name',
    'cell1',
    '--database',
    cellDb.url,
    '--transport',
    'amqp://127.0.0.1/x',
    '--graphql-url',
    'http://127.0.0.1:1/graphql',
  );
  if (created.code !== 0) throw new Error(`create-cell failed: ${created.stderr}`);
  const api = createApiClient(apiDb.url, { max: 2 });
  const cell = createCellClient(cellDb.url, { max: 2 });
  return {
    apiDb,
    cellDb,
    api,
    cell,
    env,
    async close() {
      await api.$disconnect();
      await cell.$disconnect();
      await Promise.all([apiDb.drop(), cellDb.drop()]);
    },
  };
}
