import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

/** Requests the router sent to each cell (by name) while `run` ran, and to the global subgraph. */
async function counted(topo: Topology, run: () => Promise<unknown>) {
  const before = new Map(topo.cells.map((c) => [c.name, topo.gateway.router.requestsByCell.get(c.uuid) ?? 0]));
  const routerGlobal = topo.gateway.global.requests;
  const plannedGlobal = topo.gateway.plannedGlobalRequests.count;
  await run();
  return {
    cells: Object.fromEntries(
      topo.cells.map((c) => [c.name, (topo.gateway.router.requestsByCell.get(c.uuid) ?? 0) - before.get(c.name)!]),
    ),
    routerGlobal: topo.gateway.global.requests - routerGlobal,
    plannedGlobal: topo.gateway.plannedGlobalRequests.count - plannedGlobal,
  };
}

const LIST = `query($first: Int, $filter: InstanceFilter) {
  instances(first: $first, filter: $filter) { edges { node { uuid displayName cell { name } } } complete }
}`;

describe('work the gateway does for a page, counted', () => {
  let topo: Topology;
  let seeded: SeededInstance[][];
  let admin: string;
  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2', 'cell3'] });
    // Rows interleave in time across the three cells: an even spread.
    seeded = [];
    for (const [slot, cell] of topo.cells.entries())
      seeded.push(await seedInstances(cell, topo.api, { count: 200, slot, slots: 3, projects: ['demo', 'alt'] }));
    admin = await topo.token('admin', { admin: true });
    await topo.query(LIST, { first: 1, filter: { allProjects: true } }, admin); // schema checks, warm connections
  });
  afterAll(() => topo?.stop());

  it.each([9, 90, 300])(
    'costs one request per cell and no planned global request for a page of %i (the router answers cell)',
    async (first) => {
      let body: any;
      const work = await counted(topo, async () => {
        body = (await topo.query(LIST, { first, filter: { allProjects: true } }, admin)).body;
      });
      expect(body.data.instances.edges).toHaveLength(first);
      expect(work.cells).toEqual({ cell1: 1, cell2: 1, cell3: 1 });
      expect(work.routerGlobal).toBe(1); // the build requests to merge in as BUILD rows
      expect(work.plannedGlobal).toBe(0); // cell { name }: the router knows the cell it asked
      const cellOf = new Map(seeded.flat().map((r) => [r.uuid, topo.cells.find((c) => c.uuid === r.cellUuid)!.name]));
      for (const { node } of body.data.instances.edges) expect(node.cell).toEqual({ name: cellOf.get(node.uuid) });
    },
  );

  it('asks the global subgraph once for the cells a project lives in and its build requests', async () => {
    const token = await topo.token('demo');
    const work = await counted(topo, () => topo.query(LIST, { first: 30 }, token));
    expect(work.cells).toEqual({ cell1: 1, cell2: 1, cell3: 1 });
    expect(work.routerGlobal).toBe(1);
  });

  it('sends a later round only to the cell whose batch ran out', async () => {
    // cell3 holds the newest rows of this project: the page drains it first.
    const newest = await seedInstances(topo.cells[2], topo.api, {
      count: 40,
      projects: ['skewed'],
      base: new Date(Date.UTC(2027, 0, 1)),
    });
    await seedInstances(topo.cells[0], topo.api, { count: 40, projects: ['skewed'] });
    await seedInstances(topo.cells[1], topo.api, { count: 40, projects: ['skewed'] });
    let body: any;
    const work = await counted(topo, async () => {
      body = (await topo.query(LIST, { first: 30, filter: { projectId: 'skewed' } }, admin)).body;
    });
    const expected = [...newest]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.uuid < b.uuid ? 1 : -1))
      .slice(0, 30);
    expect(body.data.instances.edges.map((e: any) => e.node.uuid)).toEqual(expected.map((r) => r.uuid));
    expect(work.cells).toEqual({ cell1: 1, cell2: 1, cell3: 2 });
  });

  it('routes _entities for instances in three cells with three cell requests', async () => {
    const uuids = seeded.map((rows) => rows[5].uuid);
    let body: any;
    const work = await counted(topo, async () => {
      body = (
        await topo.query(
          'query($uuids: [ID!]) { instanceMappings(uuids: $uuids) { instanceUuid instance { displayName status } } }',
          { uuids },
          admin,
        )
      ).body;
    });
    expect(body.errors).toBeUndefined();
    const names = Object.fromEntries(
      body.data.instanceMappings.map((m: any) => [m.instanceUuid, m.instance.displayName]),
    );
    expect(uuids.map((u) => names[u])).toEqual(seeded.map((rows) => rows[5].displayName));
    expect(work.cells).toEqual({ cell1: 1, cell2: 1, cell3: 1 });
  });

  it('routes instance(uuid) to the owning cell only, with one batched mapping look-up', async () => {
    const target = seeded[1][7];
    topo.gateway.mappingCache.clear();
    const work = await counted(topo, () =>
      topo.query(`query($u: ID!) { instance(uuid: $u) { uuid displayName } }`, { u: target.uuid }, admin),
    );
    expect(work.cells).toEqual({ cell1: 0, cell2: 1, cell3: 0 });
    expect(work.routerGlobal).toBe(1);
    const cached = await counted(topo, () =>
      topo.query(`query($u: ID!) { instance(uuid: $u) { uuid } }`, { u: target.uuid }, admin),
    );
    expect(cached.routerGlobal).toBe(0); // the mapping came from the cache
  });
});
