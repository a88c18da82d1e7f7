import { randomUUID } from 'node:crypto';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, user } from './support/graphqlClient';
import { seedInstance } from './support/seed';
import { buildInput, BUILD } from './support/build';

describe('a cell whose broker is unreachable', () => {
  let cell: CellFixture;

  beforeAll(async () => {
    // Nothing listens on port 1: the connection is refused.
    cell = await startCellFixture('nobroker', { transportUrl: 'amqp://guest:guest@127.0.0.1:1/', publishTimeoutMs: 2000 });
  });
  afterAll(() => cell.close());

  it('fails an action with BROKER_UNAVAILABLE and rolls back the task state and the action', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const answer = await gql<any>(cell.subgraph.url, `mutation($u: ID!) { stopInstance(uuid: $u) { requestId } }`, { u: row.uuid }, user('p1'));
    expect(answer.errors?.[0].extensions?.code).toBe('BROKER_UNAVAILABLE');
    expect(answer.errors?.[0].message).toContain('could not publish stop_instance to compute.compute1');
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({ vmState: 'active', taskState: null, updatedAt: null });
    expect(await cell.db.instanceAction.count({ where: { instanceUuid: row.uuid } })).toBe(0);
  });

  it('fails a build with BROKER_UNAVAILABLE and leaves no row of the instance behind', async () => {
    const uuid = randomUUID();
    const answer = await gql<any>(cell.subgraph.url, BUILD, { input: buildInput(uuid, { host: 'compute1' }) }, admin());
    expect(answer.errors?.[0].extensions?.code).toBe('BROKER_UNAVAILABLE');
    const where = { instanceUuid: uuid };
    const counts = await Promise.all([
      cell.db.instance.count({ where: { uuid } }),
      cell.db.instanceInfoCache.count({ where }),
      cell.db.instanceExtra.count({ where }),
      cell.db.instanceMetadata.count({ where }),
      cell.db.instanceSystemMetadata.count({ where }),
      cell.db.instanceAction.count({ where }),
    ]);
    expect(counts).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('still answers reads', async () => {
    const answer = await gql<any>(cell.subgraph.url, `{ instances { complete } }`, {}, user('p1'));
    expect(answer.data.instances.complete).toBe(true);
  });
});

describe('a cell without a queue (cell0)', () => {
  let cell: CellFixture;

  beforeAll(async () => {
    cell = await startCellFixture('cell0', { transportUrl: 'none:///' });
  });
  afterAll(() => cell.close());

  it('buries a failed build in ERROR with its fault, publishing nothing', async () => {
    const uuid = randomUUID();
    const input = buildInput(uuid, { fault: { code: 500, message: 'No valid host was found. ', details: 'NoValidHost' } });
    const answer = await gql<any>(cell.subgraph.url, BUILD, { input }, admin());
    expect(answer.errors).toBeUndefined();
    expect(answer.data.buildInstance).toMatchObject({ uuid, status: 'ERROR', host: null, fault: { code: 500, message: 'No valid host was found. ' } });
  });

  it('refuses an action that needs a compute host with INVALID_STATE', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', host: null });
    const answer = await gql<any>(cell.subgraph.url, `mutation($u: ID!) { rebootInstance(uuid: $u) { requestId } }`, { u: row.uuid }, user('p1'));
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE', attr: 'host' });
  });
});
