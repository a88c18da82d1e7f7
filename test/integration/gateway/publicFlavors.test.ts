import { createTestFlavors, seedInstances } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = (fields: string) => `{ instances(first: 50) { edges { node { uuid flavor { ${fields} } } } complete } }`;

describe("the gateway's public flavors (the planner's flavor look-ups)", () => {
  let topo: Topology;
  let admin: string;
  let pub: string;
  let demo: string;
  let publicId: string;
  let privateId: string;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    const { small, secret } = await createTestFlavors(topo.api);
    await topo.api.instanceTypeProject.create({ data: { instanceTypeId: secret.id, projectId: 'demo' } });
    [publicId, privateId] = [String(small.id), String(secret.id)];
    for (const cell of topo.cells) {
      await seedInstances(cell, topo.api, { count: 3, projects: ['pub'], flavorId: small.id });
      await seedInstances(cell, topo.api, { count: 2, projects: ['demo'], flavorId: secret.id });
    }
    admin = await topo.token('admin', { admin: true });
    pub = await topo.token('pub');
    demo = await topo.token('demo');
  });
  afterAll(() => topo?.stop());

  /** The page, and the planner's requests to the global subgraph it cost. */
  async function page(query: string, token: string) {
    const before = topo.gateway.plannedGlobalRequests.count;
    const res = await topo.query(query, {}, token);
    expect(res.body.errors).toBeUndefined();
    return {
      flavors: res.body.data.instances.edges.map((e: any) => e.node.flavor),
      planned: topo.gateway.plannedGlobalRequests.count - before,
    };
  }

  it('reads a public flavor once, then answers it without asking the global subgraph', async () => {
    const first = await page(LIST('name vcpus memoryMb'), pub);
    expect(first.planned).toBe(1);
    expect(first.flavors).toEqual(Array(6).fill({ name: 'm1.small', vcpus: 1, memoryMb: 2048 }));
    expect(topo.gateway.publicFlavors.get(publicId)).toMatchObject({ name: 'm1.small', isPublic: true });
    const again = await page(LIST('cpus: vcpus __typename name'), pub);
    expect(again.planned).toBe(0);
    expect(again.flavors).toEqual(Array(6).fill({ cpus: 1, __typename: 'Flavor', name: 'm1.small' }));
    // One distinct flavor per page: read once, then held; /metrics says so.
    const metrics = await (
      await fetch(topo.gateway.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    expect(metrics).toMatch(/^cells_flavor_lookups_total\{source="held"\} 1$/m);
    expect(metrics).toMatch(/^cells_flavor_lookups_total\{source="global"\} 1$/m);
    expect(metrics).toMatch(/^cells_public_flavors_held 1$/m);
  });

  it('reads a private flavor on every request, as the caller may see it now', async () => {
    for (let i = 0; i < 2; i++) {
      const seen = await page(LIST('name vcpus'), demo);
      expect(seen.planned).toBe(1);
      expect(seen.flavors).toEqual(Array(4).fill({ name: 'p1.private', vcpus: 2 }));
    }
    expect(topo.gateway.publicFlavors.get(privateId)).toBeUndefined();
    const revoke = await topo.query(
      'mutation($id: ID!) { removeFlavorAccess(id: $id, projectId: "demo") { id } }',
      { id: privateId },
      admin,
    );
    expect(revoke.body.errors).toBeUndefined();
    expect((await page(LIST('name vcpus'), demo)).flavors).toEqual(Array(4).fill(null));
  });

  it('asks the global subgraph for fields that can change, and sees their change at once', async () => {
    const before = await page(LIST('name extraSpecs'), pub);
    expect(before.planned).toBe(1);
    expect(before.flavors[0]).toEqual({ name: 'm1.small', extraSpecs: {} });
    const set = await topo.query(
      'mutation($id: ID!) { setFlavorExtraSpecs(id: $id, extraSpecs: { hw_rng: "true" }) { id } }',
      { id: publicId },
      admin,
    );
    expect(set.body.errors).toBeUndefined();
    const after = await page(LIST('name extraSpecs'), pub);
    expect(after.planned).toBe(1);
    expect(after.flavors[0]).toEqual({ name: 'm1.small', extraSpecs: { hw_rng: 'true' } });
  });

  it('answers a deleted public flavor as the global subgraph does: by id, still there', async () => {
    const deleted = await topo.query('mutation($id: ID!) { deleteFlavor(id: $id) }', { id: publicId }, admin);
    expect(deleted.body.errors).toBeUndefined();
    const global = await topo.query('query($id: ID!) { flavor(id: $id) { name vcpus } }', { id: publicId }, pub);
    expect(global.body.data.flavor).toEqual({ name: 'm1.small', vcpus: 1 });
    expect((await page(LIST('name vcpus'), pub)).flavors).toEqual(Array(6).fill(global.body.data.flavor));
  });
});
