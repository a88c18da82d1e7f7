import { untilProbeDue } from '../../helpers/circuits';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startBlackHole, startDelayProxy, type TestServer } from '../../../bench/proxies';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = `query($first: Int, $after: String, $filter: InstanceFilter, $sort: [InstanceSort!]) {
  instances(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { cursor node { uuid projectId status displayName flavor { name vcpus } cell { name } } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellName status message }
  }
}`;

interface FailureMode {
  name: string;
  status: 'UNAVAILABLE' | 'TIMEOUT';
  break(topo: Topology): Promise<void>;
  mend(topo: Topology): Promise<void>;
}

// Re-points cell2's mapping at `url` and makes the router see it now.
async function repoint(topo: Topology, url: string): Promise<void> {
  await topo.api.cellMapping.update({ where: { uuid: topo.cells[1].uuid }, data: { graphqlUrl: url } });
  await topo.gateway.directory.refresh();
}

let helper: TestServer | undefined;
const modes: FailureMode[] = [
  {
    name: 'its database refuses connections',
    status: 'UNAVAILABLE',
    break: async (topo) => {
      await topo.cells[1].stop();
      await topo.cells[1].start({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/cells_gone' });
    },
    mend: async (topo) => {
      await topo.cells[1].stop();
      await topo.cells[1].start();
    },
  },
  {
    name: 'its subgraph process is killed',
    status: 'UNAVAILABLE',
    break: (topo) => topo.cells[1].stop(),
    mend: (topo) => topo.cells[1].start(),
  },
  {
    name: 'its subgraph accepts connections and never answers',
    status: 'TIMEOUT',
    break: async (topo) => {
      helper = await startBlackHole();
      await repoint(topo, helper.url);
    },
    mend: async (topo) => {
      await repoint(topo, topo.cells[1].subgraph!.url);
      await helper?.close();
    },
  },
  {
    name: 'it answers slower than the timeout',
    status: 'TIMEOUT',
    break: async (topo) => {
      helper = await startDelayProxy(topo.cells[1].subgraph!.url, 1500);
      await repoint(topo, helper.url);
    },
    mend: async (topo) => {
      await repoint(topo, topo.cells[1].subgraph!.url);
      await helper?.close();
    },
  },
];

describe.each(modes)('a list when one cell fails because $name', (mode) => {
  let topo: Topology;
  let cell1: SeededInstance[];
  let cell2: SeededInstance[];
  let admin: string;
  beforeAll(async () => {
    topo = await startTopology({
      cells: ['cell1', 'cell2'],
      gateway: { cellTimeoutMs: 1000, circuit: { failures: 3, cooldownMs: 1000 } },
    });
    const flavor = await topo.api.instanceType.create({
      data: { name: 'm1.small', flavorid: '2', memoryMb: 2048, vcpus: 1, rootGb: 20 },
    });
    cell1 = await seedInstances(topo.cells[0], topo.api, { count: 6, projects: ['demo', 'alt'], flavorId: flavor.id });
    cell2 = await seedInstances(topo.cells[1], topo.api, { count: 4, projects: ['demo', 'alt'], flavorId: flavor.id });
    admin = await topo.token('admin', { admin: true });
    await topo.query(LIST, { filter: { allProjects: true } }, admin); // both cells pass their schema check
    await mode.break(topo);
  });
  afterAll(() => topo?.stop());

  it(`answers 200 with the other cell's rows, complete: false and cell2 marked ${mode.status}`, async () => {
    const res = await topo.query(LIST, { first: 50, filter: { allProjects: true } }, admin);
    expect(res.status).toBe(200);
    const page = res.body.data!.instances;
    expect(page.complete).toBe(false);
    expect(page.cells).toEqual([
      { cellName: 'cell1', status: 'OK', message: null },
      { cellName: 'cell2', status: mode.status, message: expect.any(String) },
    ]);
    expect(page.cells[1].message).not.toMatch(/http|postgres|127\.0\.0\.1|:\/\//);
    const live = page.edges.filter((e: any) => e.node.status !== 'UNKNOWN').map((e: any) => e.node.uuid);
    expect(new Set(live)).toEqual(new Set(cell1.map((r) => r.uuid)));
  });

  it('adds UNKNOWN records for the failed cell from the mappings, with flavor null and cell still resolved', async () => {
    const res = await topo.query(LIST, { first: 50, filter: { allProjects: true } }, admin);
    const edges = res.body.data!.instances.edges;
    const unknown = edges.filter((e: any) => e.node.status === 'UNKNOWN');
    expect(unknown.map((e: any) => e.node.uuid).sort()).toEqual(cell2.map((r) => r.uuid).sort());
    for (const edge of unknown) {
      expect(edge.node).toEqual({
        uuid: edge.node.uuid,
        projectId: expect.any(String),
        status: 'UNKNOWN',
        displayName: null,
        flavor: null,
        cell: { name: 'cell2' },
      });
    }
    const known = edges.filter((e: any) => e.node.status !== 'UNKNOWN');
    expect(known.every((e: any) => e.node.flavor.name === 'm1.small' && e.node.cell.name === 'cell1')).toBe(true);
  });

  it("limits a non-admin's UNKNOWN records to their project, and gives none for a sorted or filtered list", async () => {
    const demo = await topo.token('demo');
    const mine = (await topo.query(LIST, { first: 50 }, demo)).body.data!.instances.edges.filter(
      (e: any) => e.node.status === 'UNKNOWN',
    );
    expect(mine.map((e: any) => e.node.uuid).sort()).toEqual(
      cell2
        .filter((r) => r.projectId === 'demo')
        .map((r) => r.uuid)
        .sort(),
    );
    const sorted = await topo.query(LIST, { first: 50, sort: [{ key: 'DISPLAY_NAME', direction: 'ASC' }] }, demo);
    expect(sorted.body.data!.instances.complete).toBe(false);
    expect(sorted.body.data!.instances.edges.some((e: any) => e.node.status === 'UNKNOWN')).toBe(false);
    const filtered = await topo.query(LIST, { first: 50, filter: { host: 'cell1-compute1' } }, demo);
    expect(filtered.body.data!.instances.edges.some((e: any) => e.node.status === 'UNKNOWN')).toBe(false);
  });

  it('keeps paging the other cell with the cursor while cell2 is down', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res: any = await topo.query(
        LIST,
        { first: 2, after, sort: [{ key: 'CREATED_AT', direction: 'ASC' }], filter: { allProjects: true } },
        admin,
      );
      const page = res.body.data.instances;
      seen.push(...page.edges.map((e: any) => e.node.uuid));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...cell1].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((r) => r.uuid));
  });

  it('gives the minimal record and CELL_UNAVAILABLE naming the cell for instance(uuid) in the failed cell', async () => {
    const res: any = await topo.query(
      'query($u: ID!) { instance(uuid: $u) { uuid displayName } }',
      { u: cell2[0].uuid },
      admin,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.instance).toEqual({ uuid: cell2[0].uuid, displayName: null });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'CELL_UNAVAILABLE', cellUuid: topo.cells[1].uuid });
    const healthy: any = await topo.query(
      'query($u: ID!) { instance(uuid: $u) { uuid } }',
      { u: cell1[0].uuid },
      admin,
    );
    expect(healthy.body.data.instance.uuid).toBe(cell1[0].uuid);
  });

  it("answers in full again once the cell is back (on its circuit's next probe)", async () => {
    await mode.mend(topo);
    await untilProbeDue(topo.gateway, topo.cells[1].uuid);
    const res = await topo.query(LIST, { first: 50, filter: { allProjects: true } }, admin);
    expect(res.body.data!.instances.complete).toBe(true);
    expect(res.body.data!.instances.edges).toHaveLength(cell1.length + cell2.length);
  });
});
