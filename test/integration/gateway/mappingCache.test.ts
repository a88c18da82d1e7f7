import { deleteCell } from '../../../cellsAdmin';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startFreezableProxy, type FreezableProxy } from '../../../bench/proxies';
import { startTopology, type Topology } from '../../helpers/topology';

const INSTANCE = 'query($u: ID!) { instance(uuid: $u) { uuid displayName } }';

/**
 * The mapping cache's TTL is a minute here (as by default): every step below would see
 * the stale entry if the cache kept it.
 */
describe('the mapping cache when a cell goes away or is re-pointed', () => {
  let topo: Topology;
  let proxy: FreezableProxy;
  const rows: Record<string, SeededInstance[]> = {};
  let admin: string;
  const requestsTo = (cell: number) => topo.gateway.router.requestsByCell.get(topo.cells[cell].uuid) ?? 0;
  const instance = (uuid: string) => topo.query(INSTANCE, { u: uuid }, admin);

  beforeAll(async () => {
    topo = await startTopology({
      cells: ['cell1', 'cell2', 'cell3', 'cell4'],
      gateway: { mappingCacheTtlMs: 60000, cellTimeoutMs: 1000 },
    });
    for (const cell of topo.cells)
      rows[cell.name] = await seedInstances(cell, topo.api, { count: 2, projects: ['demo'] });
    admin = await topo.token('admin', { admin: true });
    // Every instance's mapping is cached by the gateway from here on.
    for (const row of Object.values(rows).flat())
      expect((await instance(row.uuid)).body.data.instance.uuid).toBe(row.uuid);
    proxy = await startFreezableProxy(topo.cells[3].subgraph!.url);
  });
  afterAll(async () => {
    await topo?.stop();
    await proxy?.close();
  });

  it('drops the entries of a cell deleted through this gateway at once: instance(uuid) no longer reaches the cell', async () => {
    const { evicted } = topo.gateway.mappingCache.stats;
    const res = await topo.query(
      'mutation { deleteCell(cell: "cell2", force: true) { instancesUnmapped } }',
      {},
      admin,
    );
    expect(res.body.data.deleteCell.instancesUnmapped).toBe(2);
    expect(topo.gateway.mappingCache.stats.evicted).toBe(evicted + 2);
    // cell2's subgraph still runs and would answer: only a stale entry could route there.
    const before = requestsTo(1);
    const answer = await instance(rows.cell2[0].uuid);
    expect(answer.body.data.instance).toBeNull();
    expect(answer.body.errors).toBeUndefined();
    expect(requestsTo(1)).toBe(before);
  });

  it("drops the entries of a cell deleted elsewhere (the cells CLI) on the gateway's next directory refresh", async () => {
    await deleteCell(topo.api, 'cell3', { force: true });
    // Until the refresh the entry may still route (the cell is still in the directory): at most one refresh interval.
    await topo.gateway.directory.refresh(); // what the CELLS_CELL_REFRESH_MS interval does
    const before = requestsTo(2);
    const answer = await instance(rows.cell3[1].uuid);
    expect(answer.body.data.instance).toBeNull();
    expect(requestsTo(2)).toBe(before);
  });

  it('drops the entries of a cell re-pointed through this gateway and looks them up again', async () => {
    const { misses, evicted } = topo.gateway.mappingCache.stats;
    const res = await topo.query(
      'mutation($url: String!) { updateCell(cell: "cell4", input: { graphqlUrl: $url }) { uuid } }',
      { url: proxy.url },
      admin,
    );
    expect(res.body.errors).toBeUndefined();
    expect(topo.gateway.mappingCache.stats.evicted).toBe(evicted + 2);
    const answer = await instance(rows.cell4[0].uuid);
    expect(answer.body.data.instance.uuid).toBe(rows.cell4[0].uuid);
    expect(topo.gateway.mappingCache.stats.misses).toBe(misses + 1);
    // Answered through the new URL: frozen, the proxy makes the cell time out.
    proxy.freeze();
    try {
      const frozen = await topo.query(INSTANCE, { u: rows.cell4[1].uuid }, admin);
      expect(frozen.body.errors[0].extensions).toMatchObject({ code: 'CELL_UNAVAILABLE', status: 'TIMEOUT' });
    } finally {
      proxy.thaw();
    }
  });

  it("keeps every other cell's entries", async () => {
    const { misses } = topo.gateway.mappingCache.stats;
    for (const row of rows.cell1) expect((await instance(row.uuid)).body.data.instance.uuid).toBe(row.uuid);
    expect(topo.gateway.mappingCache.stats.misses).toBe(misses);
  });
});
