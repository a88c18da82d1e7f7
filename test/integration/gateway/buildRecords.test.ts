import { randomUUID } from 'node:crypto';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = `query($first: Int, $after: String, $filter: InstanceFilter, $sort: [InstanceSort!]) {
  instances(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { node { uuid status vmState taskState displayName flavor { name } cell { name } } }
    pageInfo { hasNextPage endCursor }
    complete
  }
}`;

describe('servers no cell holds yet (build requests) in lists', () => {
  let topo: Topology;
  let live: SeededInstance[];
  let building: { uuid: string; createdAt: Date; displayName: string }[];
  let admin: string;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    const flavor = await topo.api.instanceType.create({
      data: { name: 'm1.tiny', flavorid: '1', memoryMb: 512, vcpus: 1 },
    });
    live = [
      ...(await seedInstances(topo.cells[0], topo.api, { count: 4, slot: 0, slots: 3 })),
      ...(await seedInstances(topo.cells[1], topo.api, { count: 4, slot: 1, slots: 3 })),
    ];
    // Between the cells' rows in time, so the merge has to interleave them.
    building = [0, 2].map((i) => ({
      uuid: randomUUID(),
      createdAt: new Date(Date.UTC(2026, 0, 1) + (i * 3 + 2) * 1000),
      displayName: `pending-${i}`,
    }));
    for (const b of building) {
      await topo.api.instanceMapping.create({ data: { instanceUuid: b.uuid, projectId: 'demo', userId: 'demo-user' } });
      await topo.api.buildRequest.create({
        data: {
          instanceUuid: b.uuid,
          projectId: 'demo',
          userId: 'demo-user',
          createdAt: b.createdAt,
          instance: JSON.stringify({ displayName: b.displayName, flavorId: flavor.id }),
        },
      });
    }
    admin = await topo.token('admin', { admin: true });
  });
  afterAll(() => topo?.stop());

  it('lists them as BUILD in their place in the order, with their flavor and no cell', async () => {
    const res = await topo.query(LIST, { first: 50, filter: { allProjects: true } }, admin);
    const nodes = res.body.data.instances.edges.map((e: any) => e.node);
    const expected = [
      ...live.map((r) => ({ uuid: r.uuid, at: r.createdAt })),
      ...building.map((b) => ({ uuid: b.uuid, at: b.createdAt })),
    ]
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .map((r) => r.uuid);
    expect(nodes.map((n: any) => n.uuid)).toEqual(expected);
    const pending = nodes.filter((n: any) => n.status === 'BUILD');
    expect(pending).toEqual(
      [...building].reverse().map((b) => ({
        uuid: b.uuid,
        status: 'BUILD',
        vmState: 'building',
        taskState: 'scheduling',
        displayName: b.displayName,
        flavor: { name: 'm1.tiny' },
        cell: null,
      })),
    );
    expect(res.body.data.instances.complete).toBe(true);
  });

  it('pages through them with cursors like any other row', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res: any = await topo.query(LIST, { first: 3, after, filter: { allProjects: true } }, admin);
      seen.push(...res.body.data.instances.edges.map((e: any) => e.node.uuid));
      if (!res.body.data.instances.pageInfo.hasNextPage) break;
      after = res.body.data.instances.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(live.length + building.length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('leaves them out where a filter cannot match them, and shows them only to their project', async () => {
    const byHost = await topo.query(LIST, { first: 50, filter: { allProjects: true, host: 'cell1-compute1' } }, admin);
    expect(byHost.body.data.instances.edges.some((e: any) => e.node.status === 'BUILD')).toBe(false);
    const active = await topo.query(LIST, { first: 50, filter: { allProjects: true, status: 'ACTIVE' } }, admin);
    expect(active.body.data.instances.edges.some((e: any) => e.node.status === 'BUILD')).toBe(false);
    const byName = await topo.query(LIST, { first: 50, filter: { allProjects: true, name: '^pending-2$' } }, admin);
    expect(byName.body.data.instances.edges.map((e: any) => e.node.uuid)).toEqual([building[1].uuid]);
    const stranger = await topo.query(LIST, { first: 50 }, await topo.token('alt'));
    expect(stranger.body.data.instances.edges).toEqual([]);
  });

  it('shows a scheduled server once, from its cell, if it is in both places', async () => {
    const twin = live[0];
    await topo.api.buildRequest.create({
      data: {
        instanceUuid: twin.uuid,
        projectId: 'demo',
        userId: 'demo-user',
        createdAt: twin.createdAt,
        instance: '{}',
      },
    });
    const res = await topo.query(LIST, { first: 50, filter: { allProjects: true } }, admin);
    const rows = res.body.data.instances.edges.filter((e: any) => e.node.uuid === twin.uuid);
    expect(rows).toHaveLength(1);
    expect(rows[0].node.status).toBe('ACTIVE');
    await topo.api.buildRequest.delete({ where: { instanceUuid: twin.uuid } });
  });
});
