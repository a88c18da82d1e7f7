import { seedInstances } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = `query($first: Int) { instances(first: $first, filter: { allProjects: true }) { edges { node { uuid } } complete } }`;

describe('a page from a deployment with a single cell', () => {
  let topo: Topology;
  beforeAll(async () => {
    topo = await startTopology({ cells: ['only'] });
    await seedInstances(topo.cells[0], topo.api, { count: 1000 });
  });
  afterAll(() => topo?.stop());

  it('asks the cell for no more than the page, so a page of the maximum size is served', async () => {
    const admin = await topo.token('admin', { admin: true });
    const before = topo.gateway.router.requestsByCell.get(topo.cells[0].uuid) ?? 0;
    const { body } = await topo.query(LIST, { first: 1000 }, admin);
    expect(body.errors).toBeUndefined();
    expect(body.data!.instances.edges).toHaveLength(1000);
    expect(body.data!.instances.complete).toBe(true);
    expect((topo.gateway.router.requestsByCell.get(topo.cells[0].uuid) ?? 0) - before).toBeGreaterThanOrEqual(1);
  });
});
