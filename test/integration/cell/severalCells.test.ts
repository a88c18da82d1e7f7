import { createCell } from '../../../cellsAdmin';
import { createApiClient, createCellClient, type ApiClient, type CellClient } from '../../../prisma/clients';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { closeDatabase, freePort, openDatabase, startChildServer, type ChildServer } from '../../helpers/faults';
import { admin, gql, TEST_SECRET } from './support/graphqlClient';
import { seedInstance } from './support/seed';
import { waitFor } from './support/waitFor';

const LIST = '{ instances { edges { node { uuid displayName } } } }';

interface HostedTestCell {
  name: string;
  db: TestDatabase;
  client: CellClient;
  uuid: string;
  url: string;
}

// `npm run start:cell -- --cell a --cell b`: two cells in one process, each on its own port and pool.
describe('several cells hosted in one cell subgraph process', () => {
  let apiDb: TestDatabase;
  let api: ApiClient;
  const cells: HostedTestCell[] = [];
  let child: ChildServer;

  beforeAll(async () => {
    apiDb = await createTestDatabase('api', 'hosted_api');
    api = createApiClient(apiDb.url, { max: 1 });
    for (const name of ['hosted-a', 'hosted-b']) {
      const db = await createTestDatabase('cell', name.replace('-', '_'));
      const client = createCellClient(db.url, { max: 1 });
      const instance = await seedInstance(client, { projectId: 'admin-project', displayName: `${name}-vm` });
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/graphql`;
      await createCell(api, { name, databaseConnection: db.url, transportUrl: 'none:///', graphqlUrl: url });
      cells.push({ name, db, client, uuid: instance.uuid, url });
    }
    child = await startChildServer(
      'subgraphs/cell/main.ts',
      cells.flatMap((c) => ['--cell', c.name]),
      {
        CELLS_API_DATABASE_URL: apiDb.url,
        CELLS_INTERNAL_SECRET: TEST_SECRET,
        CELLS_HOST: '127.0.0.1',
        CELLS_LOG_LEVEL: 'silent',
        CELLS_NOTIFICATIONS: 'false',
      },
      Number(new URL(cells[0].url).port),
    );
    // The process starts its cells one after the other; the helper waited for the first.
    await waitFor('the second cell to listen', () =>
      fetch(cells[1].url.replace('/graphql', '/healthz')).then(
        (r) => r.ok,
        () => false,
      ),
    );
  }, 60000);

  afterAll(async () => {
    await child?.stop();
    for (const cell of cells) {
      await openDatabase(cell.db.name).catch(() => undefined);
      await cell.client.$disconnect();
      await cell.db.drop();
    }
    await api?.$disconnect();
    await apiDb?.drop();
  });

  it('serves each cell on its own port with its own rows', async () => {
    for (const cell of cells) {
      const answer = await gql(cell.url, LIST, {}, admin());
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.instances.edges).toEqual([{ node: { uuid: cell.uuid, displayName: `${cell.name}-vm` } }]);
    }
  });

  it("keeps answering for one cell while the other's database refuses, and recovers the other", async () => {
    const [healthy, refused] = cells;
    await closeDatabase(refused.db.name);
    try {
      const down = await gql(refused.url, LIST, {}, admin());
      expect(down.status).toBe(200);
      expect(down.data).toBeNull();
      expect(down.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_REFUSED' } }),
      ]);
      for (let i = 0; i < 5; i++) {
        const up = await gql(healthy.url, LIST, {}, admin());
        expect(up.errors).toBeUndefined();
        expect(up.data?.instances.edges).toEqual([{ node: { uuid: healthy.uuid, displayName: `${healthy.name}-vm` } }]);
      }
      expect(child.pid).toBeDefined();
      expect((await fetch(refused.url.replace('/graphql', '/healthz'))).status).toBe(200);
    } finally {
      await openDatabase(refused.db.name);
    }
    const back = await waitFor('the refused cell to answer again', async () => {
      const answer = await gql(refused.url, LIST, {}, admin());
      return answer.errors ? null : answer;
    });
    expect(back.data?.instances.edges).toEqual([{ node: { uuid: refused.uuid, displayName: `${refused.name}-vm` } }]);
  });
});
