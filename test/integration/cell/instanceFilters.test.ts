import type { Identity } from '../../../domain/identity';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, user } from './support/graphqlClient';
import { seedInstance } from './support/seed';

const LIST = `query($filter: InstanceFilter) {
  instances(filter: $filter, first: 1000) { edges { node { displayName } } complete cells { cellUuid cellName status message elapsedMs } }
}`;

describe('filters and visibility of the instance list', () => {
  let cell: CellFixture;

  async function names(filter: Record<string, unknown> | null, identity: Identity): Promise<string[]> {
    const answer: any = await gql(cell.subgraph.url, LIST, { filter }, identity);
    expect(answer.errors).toBeUndefined();
    return answer.data.instances.edges.map((edge: any) => edge.node.displayName).sort();
  }

  async function refusal(filter: Record<string, unknown>, identity: Identity) {
    const answer: any = await gql(cell.subgraph.url, LIST, { filter }, identity);
    return answer.errors?.[0];
  }

  beforeAll(async () => {
    cell = await startCellFixture('filters');
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-06-01T00:00:00Z');
    await seedInstance(cell.db, {
      displayName: 'p1-active',
      projectId: 'p1',
      userId: 'alice',
      host: 'compute1',
      createdAt: t0,
    });
    await seedInstance(cell.db, {
      displayName: 'p1-rebooting',
      projectId: 'p1',
      userId: 'bob',
      taskState: 'rebooting',
      host: 'compute2',
      createdAt: t0,
    });
    await seedInstance(cell.db, {
      displayName: 'p1-stopped',
      projectId: 'p1',
      userId: 'alice',
      vmState: 'stopped',
      powerState: 4,
      host: 'compute2',
      createdAt: t0,
      updatedAt: t1,
    });
    await seedInstance(cell.db, {
      displayName: 'p1-deleted',
      projectId: 'p1',
      userId: 'alice',
      deleted: true,
      createdAt: t0,
      updatedAt: t1,
    });
    await seedInstance(cell.db, {
      displayName: 'p2-error',
      projectId: 'p2',
      userId: 'carol',
      vmState: 'error',
      host: null,
      createdAt: t0,
    });
    await seedInstance(cell.db, { displayName: 'admin-own', projectId: 'admin-project', createdAt: t0 });
  });
  afterAll(() => cell.close());

  it('answers complete with one OK row for this cell', async () => {
    const answer: any = await gql(cell.subgraph.url, LIST, {}, user('p1'));
    expect(answer.data.instances.complete).toBe(true);
    expect(answer.data.instances.cells).toEqual([
      { cellUuid: cell.cellUuid, cellName: 'filters', status: 'OK', message: null, elapsedMs: expect.any(Number) },
    ]);
  });

  it("shows a non-admin only their project's live instances", async () => {
    expect(await names(null, user('p1'))).toEqual(['p1-active', 'p1-rebooting', 'p1-stopped']);
  });

  it('gives a non-admin an empty list for another projectId (Nova ignores it; nothing leaks)', async () => {
    expect(await names({ projectId: 'p2' }, user('p1'))).toEqual([]);
    expect(await names({ projectId: 'p1' }, user('p1'))).toHaveLength(3);
  });

  it('refuses allProjects and deleted to non-admins with FORBIDDEN', async () => {
    expect((await refusal({ allProjects: true }, user('p1'))).extensions.code).toBe('FORBIDDEN');
    expect((await refusal({ deleted: true }, user('p1'))).extensions.code).toBe('FORBIDDEN');
    expect((await refusal({ status: 'DELETED' }, user('p1'))).extensions.code).toBe('FORBIDDEN');
  });

  it('shows an admin their own project by default, any project by projectId, every project with allProjects', async () => {
    expect(await names(null, admin())).toEqual(['admin-own']);
    expect(await names({ projectId: 'p2' }, admin())).toEqual(['p2-error']);
    expect(await names({ allProjects: true }, admin())).toEqual([
      'admin-own',
      'p1-active',
      'p1-rebooting',
      'p1-stopped',
      'p2-error',
    ]);
  });

  it('includes deleted instances for an admin who asks', async () => {
    expect(await names({ allProjects: true, deleted: true }, admin())).toContain('p1-deleted');
  });

  it('maps the status filter to vm_state and task_state as Nova does', async () => {
    expect(await names({ status: 'ACTIVE' }, user('p1'))).toEqual(['p1-active', 'p1-rebooting']);
    expect(await names({ status: 'REBOOT' }, user('p1'))).toEqual(['p1-rebooting']);
    expect(await names({ status: 'shutoff' }, user('p1'))).toEqual(['p1-stopped']);
    expect(await names({ status: 'ERROR', allProjects: true }, admin())).toEqual(['p2-error']);
    expect(await names({ status: 'DELETED', allProjects: true }, admin())).toEqual(['p1-deleted']);
    expect(await names({ status: 'NO-SUCH-STATUS' }, user('p1'))).toEqual([]);
  });

  it('filters by host and by user', async () => {
    expect(await names({ host: 'compute2' }, user('p1'))).toEqual(['p1-rebooting', 'p1-stopped']);
    expect(await names({ userId: 'alice' }, user('p1'))).toEqual(['p1-active', 'p1-stopped']);
  });

  it('matches name as a PostgreSQL regular expression', async () => {
    expect(await names({ name: 'act|stop' }, user('p1'))).toEqual(['p1-active', 'p1-stopped']);
    expect(await names({ name: '^p1-re' }, user('p1'))).toEqual(['p1-rebooting']);
  });

  it('refuses a bad regular expression with BAD_USER_INPUT naming filter.name', async () => {
    const error = await refusal({ name: 'web-(' }, user('p1'));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('filter.name: expected a valid regular expression');
    expect(error.message).toContain('"web-("');
  });

  it('lists changes since a time, deleted ones included', async () => {
    expect(await names({ changesSince: '2026-05-01T00:00:00.000Z' }, user('p1'))).toEqual(['p1-deleted', 'p1-stopped']);
  });

  it("answers this cell's uuid normally and another cell's with an empty list", async () => {
    expect(await names({ cellUuid: cell.cellUuid }, user('p1'))).toHaveLength(3);
    expect(await names({ cellUuid: '00000000-0000-0000-0000-000000000000' }, user('p1'))).toEqual([]);
  });

  it('filters by uuids, an empty list matching nothing', async () => {
    const row = await cell.db.instance.findFirstOrThrow({ where: { displayName: 'p1-stopped' } });
    expect(await names({ uuids: [row.uuid, 'nope'] }, user('p1'))).toEqual(['p1-stopped']);
    expect(await names({ uuids: [] }, user('p1'))).toEqual([]);
  });

  it('refuses a changesSince that is not a timestamp', async () => {
    const answer: any = await gql(cell.subgraph.url, LIST, { filter: { changesSince: 'yesterday' } }, user('p1'));
    expect(answer.errors[0].message).toContain('yesterday');
  });
});
