import { randomUUID } from 'node:crypto';
import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const MIGRATIONS = `query ($filter: MigrationFilter, $first: Int, $after: String) {
  migrations(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id uuid instanceUuid instance { uuid } status migrationType sourceCompute destCompute oldFlavor { name } newFlavor { name } hidden memoryTotal projectId createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('networks, tags and migrations read models', () => {
  let h: GlobalHarness;
  const instance = randomUUID();
  const otherInstance = randomUUID();

  beforeAll(async () => {
    h = await startGlobalHarness('readmodels');
    await h.prisma.network.createMany({
      data: [
        { uuid: randomUUID(), label: 'p1-net', projectId: 'p1', cidr: '10.1.0.0/24', vlan: 101 },
        { uuid: randomUUID(), label: 'p2-net', projectId: 'p2', cidr: '10.2.0.0/24' },
        { uuid: randomUUID(), label: 'shared', projectId: null, cidr: '10.9.0.0/24' },
        { uuid: randomUUID(), label: 'gone', projectId: 'p1', deleted: 1 },
      ],
    });
    await h.prisma.instanceMapping.createMany({
      data: [
        { instanceUuid: instance, projectId: 'p1' },
        { instanceUuid: otherInstance, projectId: 'p2' },
      ],
    });
    await h.prisma.tag.createMany({
      data: [
        { resourceId: instance, tag: 'b' },
        { resourceId: instance, tag: 'a' },
        { resourceId: otherInstance, tag: 'secret' },
      ],
    });
    const small = await h.prisma.instanceType.create({
      data: { name: 'small', flavorid: '1', vcpus: 1, memoryMb: 512 },
    });
    const large = await h.prisma.instanceType.create({
      data: { name: 'large', flavorid: '2', vcpus: 4, memoryMb: 8192 },
    });
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    for (let i = 0; i < 5; i++) {
      await h.prisma.migration.create({
        data: {
          uuid: randomUUID(),
          instanceUuid: instance,
          projectId: 'p1',
          status: i === 0 ? 'error' : 'completed',
          migrationType: 'live-migration',
          sourceCompute: 'compute1',
          destCompute: 'compute2',
          oldInstanceTypeId: small.id,
          newInstanceTypeId: large.id,
          memoryTotal: BigInt(8589934592),
          createdAt: new Date(base + (i < 3 ? 0 : i) * 1000), // three share a timestamp: the id breaks the tie
        },
      });
    }
    await h.prisma.migration.create({
      data: { instanceUuid: otherInstance, projectId: 'p2', status: 'completed', migrationType: 'resize' },
    });
    await h.prisma.migration.create({
      data: { instanceUuid: instance, projectId: 'p1', status: 'completed', hidden: true },
    });
  });
  afterAll(() => h.close());

  describe('networks', () => {
    it('shows a non-admin their project’s networks and the unassigned ones', async () => {
      const answer = await h.gql(user('p1'), `{ networks { label projectId cidr vlan multiHost enableDhcp } }`);
      expect(answer.data!.networks).toEqual([
        { label: 'p1-net', projectId: 'p1', cidr: '10.1.0.0/24', vlan: 101, multiHost: false, enableDhcp: true },
        { label: 'shared', projectId: null, cidr: '10.9.0.0/24', vlan: null, multiHost: false, enableDhcp: true },
      ]);
      expect(codes(await h.gql(user('p1'), `{ networks(projectId: "p2") { label } }`))).toEqual(['FORBIDDEN']);
    });

    it('lets an admin list every network and get one by uuid', async () => {
      const all = await h.gql(ADMIN, `{ networks(allProjects: true) { label uuid } }`);
      expect(all.data!.networks.map((n: any) => n.label)).toEqual(['p1-net', 'p2-net', 'shared']);
      const p2net = all.data!.networks[1].uuid;
      expect(
        (await h.gql(ADMIN, `query ($u: ID!) { network(uuid: $u) { label } }`, { u: p2net })).data!.network,
      ).toEqual({ label: 'p2-net' });
      expect(
        (await h.gql(user('p1'), `query ($u: ID!) { network(uuid: $u) { label } }`, { u: p2net })).data!.network,
      ).toBeNull();
    });
  });

  describe('tags', () => {
    it('lists an instance’s tags in order, and none of another project’s', async () => {
      expect(
        (await h.gql(user('p1'), `query ($u: ID!) { tags(instanceUuid: $u) }`, { u: instance })).data!.tags,
      ).toEqual(['a', 'b']);
      expect(
        (await h.gql(user('p1'), `query ($u: ID!) { tags(instanceUuid: $u) }`, { u: otherInstance })).data!.tags,
      ).toEqual([]);
      expect(
        (await h.gql(ADMIN, `query ($u: ID!) { tags(instanceUuid: $u) }`, { u: otherInstance })).data!.tags,
      ).toEqual(['secret']);
    });
  });

  describe('migrations', () => {
    it('pages newest first with cursors, ties broken by id, referencing instances and flavors', async () => {
      const first = await h.gql(user('p1'), MIGRATIONS, { first: 2 });
      const page1 = first.data!.migrations;
      expect(page1.edges).toHaveLength(2);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      expect(page1.edges[0].node).toMatchObject({
        instanceUuid: instance,
        instance: { uuid: instance },
        oldFlavor: { name: 'small' },
        newFlavor: { name: 'large' },
        memoryTotal: 8589934592,
        hidden: false,
      });
      const rest = await h.gql(user('p1'), MIGRATIONS, { first: 10, after: page1.pageInfo.endCursor });
      const ids = [...page1.edges, ...rest.data!.migrations.edges].map((e: any) => Number(e.node.id));
      expect(ids).toEqual([5, 4, 3, 2, 1]);
      expect(rest.data!.migrations.pageInfo).toEqual({
        hasNextPage: false,
        endCursor: rest.data!.migrations.edges[2].cursor,
      });
    });

    it('filters by status and instance, and shows hidden ones only when asked', async () => {
      const errors = await h.gql(ADMIN, MIGRATIONS, { filter: { allProjects: true, status: 'error' } });
      expect(errors.data!.migrations.edges.map((e: any) => e.node.id)).toEqual(['1']);
      const hidden = await h.gql(ADMIN, MIGRATIONS, { filter: { projectId: 'p1', includeHidden: true } });
      expect(hidden.data!.migrations.edges).toHaveLength(6);
      const byInstance = await h.gql(ADMIN, MIGRATIONS, { filter: { allProjects: true, instanceUuid: otherInstance } });
      expect(byInstance.data!.migrations.edges.map((e: any) => e.node.migrationType)).toEqual(['resize']);
    });

    it('keeps a non-admin to their own project', async () => {
      const own = await h.gql(user('p2'), MIGRATIONS, {});
      expect(own.data!.migrations.edges.map((e: any) => e.node.projectId)).toEqual(['p2']);
      expect(codes(await h.gql(user('p2'), MIGRATIONS, { filter: { projectId: 'p1' } }))).toEqual(['FORBIDDEN']);
      expect(codes(await h.gql(user('p2'), MIGRATIONS, { filter: { allProjects: true } }))).toEqual(['FORBIDDEN']);
    });

    it('refuses a bad cursor and a page size out of range', async () => {
      const bad = await h.gql(ADMIN, MIGRATIONS, { after: 'garbage' });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0].message).toMatch(
        /^after: expected a cursor from a previous migrations page, got "garbage"/,
      );
      expect(codes(await h.gql(ADMIN, MIGRATIONS, { first: 0 }))).toEqual(['BAD_USER_INPUT']);
    });
  });
});
