import { createApiClient, createCellClient, type ApiClient, type CellClient } from '../../../prisma/clients';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import type { CellAccess } from '../../../cellsAdmin';

/** An API database and `cellCount` cell databases, throw-away, with clients that tests close. */
export interface AdminFixture {
  api: ApiClient;
  apiDb: TestDatabase;
  cellDbs: TestDatabase[];
  /** openCell for the library; counts what it opened so tests can see it all released. */
  access: CellAccess & { opened: number; released: number };
  cellClient(index: number): CellClient;
  close(): Promise<void>;
}

export async function createAdminFixture(label: string, cellCount = 2): Promise<AdminFixture> {
  const apiDb = await createTestDatabase('api', `${label}_api`);
  const cellDbs = await Promise.all(
    Array.from({ length: cellCount }, (_, i) => createTestDatabase('cell', `${label}_c${i}`)),
  );
  const api = createApiClient(apiDb.url, { max: 4 });
  const clients = new Map<number, CellClient>();
  const access = {
    opened: 0,
    released: 0,
    openCell: (url: string) => {
      access.opened += 1;
      return createCellClient(url, { max: 2 });
    },
    releaseCell: async (client: CellClient) => {
      access.released += 1;
      await client.$disconnect();
    },
  };
  return {
    api,
    apiDb,
    cellDbs,
    access,
    cellClient(index) {
      let client = clients.get(index);
      if (!client) {
        client = createCellClient(cellDbs[index].url, { max: 2 });
        clients.set(index, client);
      }
      return client;
    },
    async close() {
      await api.$disconnect();
      await Promise.all([...clients.values()].map((client) => client.$disconnect()));
      await Promise.all([apiDb.drop(), ...cellDbs.map((db) => db.drop())]);
    },
  };
}

/** Input for a cell whose URLs are unique to `n` (a cell database of the fixture or made up). */
export function cellInput(n: number, databaseConnection: string) {
  return {
    name: `cell${n}`,
    databaseConnection,
    transportUrl: `amqp://guest:guest@127.0.0.1:5672/test_cell${n}`,
    graphqlUrl: `http://127.0.0.1:${4910 + n}/graphql`,
  };
}

export async function rejection(promise: Promise<unknown>): Promise<{ code: string; field?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; field?: string; message: string };
  }
  throw new Error('expected a rejection, got success');
}
