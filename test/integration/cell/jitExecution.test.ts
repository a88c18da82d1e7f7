import { randomUUID } from 'node:crypto';
import { identityHeaders, type Identity } from '../../../domain/identity';
import { startCellSubgraph, type RunningCellSubgraph } from '../../../subgraphs/cell/server';
import { closeDatabase, openDatabase } from '../../helpers/faults';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, TEST_SECRET, user } from './support/graphqlClient';
import { seedInstance, seedNested } from './support/seed';

const NODE = `uuid status displayName projectId userId host vmState taskState powerState powerStateName locked
  createdAt updatedAt launchedAt deleted flavor { id }
  metadata { key value } systemMetadata { key value } infoCache { networkInfo } extra { flavor numaTopology }
  fault { code message createdAt } faults { code message }
  actions { action requestId userId projectId events { event result } }
  blockDeviceMappings { uuid bootIndex deleteOnTermination } virtualInterfaces { address } pciDevices { address }`;

const LIST = `query List($first: Int, $after: String, $filter: InstanceFilter) {
  instances(filter: $filter, sort: [{ key: CREATED_AT, direction: DESC }], first: $first, after: $after) {
    edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor }
  }
}`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instance { ${NODE} } } }`;

/**
 * The same requests to two subgraphs over one database, one running graphql-jit (the
 * default) and one graphql-js: every answer must be the same text, data, nulls and
 * errors alike, including a database that refuses mid-way.
 */
describe('graphql-jit execution answers as graphql-js does', () => {
  let cell: CellFixture;
  let interpreted: RunningCellSubgraph;
  const uuids: string[] = [];

  beforeAll(async () => {
    cell = await startCellFixture('jit');
    interpreted = await startCellSubgraph({
      cellUuid: cell.cellUuid,
      cellName: 'jit-interpreted',
      databaseUrl: cell.database.url,
      transportUrl: 'none:///',
      port: 0,
      internalSecret: TEST_SECRET,
      execution: 'graphql-js',
    });
    for (let i = 0; i < 4; i++) {
      const row = await seedInstance(cell.db, {
        projectId: i % 2 ? 'p1' : 'p2',
        createdAt: new Date(Date.now() - i * 1000),
        taskState: i === 1 ? 'spawning' : null,
        deleted: i === 3,
      });
      uuids.push(row.uuid);
      if (i < 2) await seedNested(cell.db, row.uuid);
    }
  });
  afterAll(async () => {
    await openDatabase(cell.database.name).catch(() => undefined);
    await interpreted?.close();
    await cell?.close();
  });

  const text = async (url: string, query: string, variables: Record<string, unknown>, identity: Identity) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...identityHeaders(identity, TEST_SECRET, 'jit-request') },
      body: JSON.stringify({ query, variables }),
    });
    return `${response.status} ${await response.text()}`;
  };
  const same = async (query: string, variables: Record<string, unknown>, identity: Identity) => {
    const jit = await text(cell.subgraph.url, query, variables, identity);
    expect(jit).toBe(await text(interpreted.url, query, variables, identity));
    return jit;
  };

  const cases: [string, string, Record<string, unknown>, Identity][] = [
    ['every field of a page, admin over every project', LIST, { first: 10, filter: { allProjects: true } }, admin()],
    ['a tenant: its own rows, other projects hidden', LIST, { first: 10 }, user('p1')],
    ['a page after a cursor', LIST, { first: 1, filter: { allProjects: true } }, admin()],
    ['a cursor that is not one', LIST, { first: 2, after: 'nonsense' }, admin()],
    ['a variable of the wrong type', LIST, { first: 'ten' }, admin()],
    ['a filter value the scalar refuses', LIST, { filter: { changesSince: 'yesterday' } }, user('p1')],
    ['a page size over the limit', LIST, { first: 100000 }, admin()],
  ];
  it.each(cases)('%s', async (_, query, variables, identity) => {
    const answer = await same(query, variables, identity);
    expect(answer.length).toBeGreaterThan(20);
  });

  it('answers _entities alike: found, unknown and unseen references', async () => {
    const r = [...uuids, randomUUID()].map((uuid) => ({ __typename: 'Instance', uuid }));
    await same(ENTITIES, { r }, admin());
    const tenant = await same(ENTITIES, { r }, user('p1'));
    expect(tenant).toContain('null');
  });

  it('answers a cursor page alike and reports a refused database alike', async () => {
    const first = JSON.parse((await same(LIST, { first: 1 }, admin())).slice(4));
    await same(LIST, { first: 1, after: first.data.instances.pageInfo.endCursor }, admin());
    await closeDatabase(cell.database.name);
    try {
      // One request each first: how a pooled connection that was just terminated fails
      // depends on the pool's timing, not on the executor; after it, both are refused alike.
      await text(cell.subgraph.url, LIST, { first: 2 }, admin());
      await text(interpreted.url, LIST, { first: 2 }, admin());
      const refused = await same(LIST, { first: 2 }, admin());
      expect(refused).toContain('CELL_UNAVAILABLE');
    } finally {
      await openDatabase(cell.database.name);
    }
  });
});
