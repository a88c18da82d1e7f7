import { untilProbeDue } from '../../helpers/circuits';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startFreezableProxy, type FreezableProxy } from '../../../bench/proxies';
import { startTopology, type Topology } from '../../helpers/topology';

const TIMEOUT_MS = 500;
const FAILURES = 3;
// Long enough for the dozen requests a step makes between probes, short enough to wait for.
const COOLDOWN_MS = 3000;

const LIST = `{
  instances(first: 50, filter: { allProjects: true }) {
    edges { node { uuid status } }
    complete
    cells { cellUuid cellName status message elapsedMs }
  }
}`;
const OPEN_MESSAGE = new RegExp(
  `^circuit open since \\S+Z after ${FAILURES} failures \\(TIMEOUT\\); next probe at \\S+Z$`,
);

describe("a frozen cell's circuit", () => {
  let topo: Topology;
  let proxy: FreezableProxy;
  let cell1: SeededInstance[];
  let cell2: SeededInstance[];
  let admin: string;
  const frozen = () => topo.cells[1].uuid;
  const requestsToFrozen = () => topo.gateway.router.requestsByCell.get(frozen()) ?? 0;
  const list = async () => (await topo.query(LIST, {}, admin)).body.data.instances;
  const rowOf = (page: any) => page.cells.find((c: any) => c.cellUuid === frozen());
  const breaker = async () => (await topo.gateway.directory.get(frozen()))!.breaker;
  const ops = (path: string) =>
    fetch(new URL(path, topo.gateway.url), { headers: { authorization: `Bearer ${admin}` } });
  const readyCell = async () =>
    ((await (await ops('/readyz')).json()) as any).cells.find((c: any) => c.uuid === frozen());

  beforeAll(async () => {
    topo = await startTopology({
      cells: ['cell1', 'cell2'],
      gateway: { cellTimeoutMs: TIMEOUT_MS, circuit: { failures: FAILURES, cooldownMs: COOLDOWN_MS } },
    });
    cell1 = await seedInstances(topo.cells[0], topo.api, { count: 5, projects: ['demo'] });
    cell2 = await seedInstances(topo.cells[1], topo.api, { count: 4, projects: ['demo'] });
    admin = await topo.token('admin', { admin: true });
    // cell2 is reached through a proxy that can freeze it as SIGSTOP would.
    proxy = await startFreezableProxy(topo.cells[1].subgraph!.url);
    await topo.api.cellMapping.update({ where: { uuid: frozen() }, data: { graphqlUrl: proxy.url } });
    await topo.gateway.directory.refresh();
    expect((await list()).complete).toBe(true);
  });
  afterAll(async () => {
    proxy?.thaw();
    await topo?.stop();
    await proxy?.close();
  });

  it(`opens after ${FAILURES} timeouts in a row, each of which asked the cell`, async () => {
    proxy.freeze();
    const before = requestsToFrozen();
    for (let i = 0; i < FAILURES; i++) {
      const row = rowOf(await list());
      expect(row.status).toBe('TIMEOUT');
      expect(row.message).not.toMatch(/circuit/);
    }
    expect(requestsToFrozen()).toBe(before + FAILURES);
    expect((await readyCell()).circuit).toEqual({
      state: 'open',
      since: expect.any(String),
      failures: FAILURES,
      lastFailure: 'TIMEOUT',
      nextProbeAt: expect.any(String),
    });
  });

  it('then answers lists without asking the cell: its row says skipped, since when and the next probe, complete is false', async () => {
    const before = requestsToFrozen();
    const { since, nextProbeAt } = (await readyCell()).circuit;
    for (let i = 0; i < 10; i++) {
      const page = await list();
      expect(page.complete).toBe(false);
      expect(rowOf(page)).toEqual({
        cellUuid: frozen(),
        cellName: 'cell2',
        status: 'TIMEOUT',
        message: expect.stringMatching(OPEN_MESSAGE),
        elapsedMs: 0,
      });
      expect(rowOf(page).message).toBe(
        `circuit open since ${since} after ${FAILURES} failures (TIMEOUT); next probe at ${nextProbeAt}`,
      );
      const live = page.edges.filter((e: any) => e.node.status !== 'UNKNOWN').map((e: any) => e.node.uuid);
      const unknown = page.edges.filter((e: any) => e.node.status === 'UNKNOWN').map((e: any) => e.node.uuid);
      expect(new Set(live)).toEqual(new Set(cell1.map((r) => r.uuid)));
      expect(new Set(unknown)).toEqual(new Set(cell2.map((r) => r.uuid)));
    }
    // Counted: not one request reached the frozen cell.
    expect(requestsToFrozen()).toBe(before);
    const metrics = await (await ops('/metrics')).text();
    expect(metrics).toMatch(/^cells_cell_circuit_state\{cell="cell2"\} 1$/m);
    expect(metrics).toMatch(/^cells_cell_circuit_state\{cell="cell1"\} 0$/m);
    expect(metrics).toMatch(/^cells_cell_circuit_skipped_total\{cell="cell2"\} 10$/m);
  });

  it("gives the skipped cell's share of a page to the cells it reaches: one request fills it", async () => {
    const healthy = topo.cells[0].uuid;
    const requestsToHealthy = () => topo.gateway.router.requestsByCell.get(healthy) ?? 0;
    expect((await breaker()).skips()).toBe(true);
    const before = requestsToHealthy();
    // 4 of cell1's 5 rows in one request of 4 (its share among the one cell reached). Counted
    // with the skipped cell, its first batch was ceil(4 / 2 * 1.1) = 3, and it was asked again.
    const page = (
      await topo.query(
        '{ instances(first: 4, filter: { allProjects: true }) { edges { node { uuid status } } } }',
        {},
        admin,
      )
    ).body.data.instances;
    expect(page.edges).toHaveLength(4);
    for (const edge of page.edges) expect(cell1.map((r) => r.uuid)).toContain(edge.node.uuid);
    expect(requestsToHealthy()).toBe(before + 1);
    expect((await breaker()).skips()).toBe(true);
  });

  it('skips the cell for instance(uuid), entity fields and mutations too: CELL_UNAVAILABLE at once, no request', async () => {
    const before = requestsToFrozen();
    const single = await topo.query(
      'query($u: ID!) { instance(uuid: $u) { uuid displayName } }',
      { u: cell2[0].uuid },
      admin,
    );
    expect(single.status).toBe(200);
    expect(single.body.errors[0].extensions).toMatchObject({
      code: 'CELL_UNAVAILABLE',
      cellUuid: frozen(),
      status: 'TIMEOUT',
    });
    const entities = await topo.query(
      'query($u: [ID!]) { instanceMappings(uuids: $u) { instanceUuid instance { displayName } } }',
      { u: [cell2[1].uuid] },
      admin,
    );
    // The planner keeps the entity the global subgraph named; the cell's fields stay null.
    expect(entities.body.data.instanceMappings).toEqual([
      { instanceUuid: cell2[1].uuid, instance: { displayName: null } },
    ]);
    expect(entities.body.errors[0].extensions).toMatchObject({
      code: 'CELL_UNAVAILABLE',
      cellUuid: frozen(),
      status: 'TIMEOUT',
    });
    const reboot = await topo.query(
      'mutation($u: ID!) { rebootInstance(uuid: $u) { requestId } }',
      { u: cell2[2].uuid },
      admin,
    );
    expect(reboot.status).toBe(200);
    expect(reboot.body.data).toBeNull();
    expect(reboot.body.errors).toHaveLength(1);
    expect(reboot.body.errors[0].message).toMatch(/circuit open since/);
    expect(reboot.body.errors[0].extensions).toMatchObject({
      code: 'CELL_UNAVAILABLE',
      cellUuid: frozen(),
      status: 'TIMEOUT',
    });
    expect(requestsToFrozen()).toBe(before);
  });

  it('lets one probe through per interval, skipping every other request while it is in flight', async () => {
    await untilProbeDue(topo.gateway, frozen());
    const before = requestsToFrozen();
    const probe = list();
    const circuit = await breaker();
    while (circuit.phase() !== 'half-open') await new Promise((resolve) => setTimeout(resolve, 5));
    const during = await Promise.all([list(), list(), list()]);
    for (const page of during) expect(rowOf(page).message).toMatch(/; probe in flight since \S+Z$/);
    const probed = rowOf(await probe);
    expect(probed.status).toBe('TIMEOUT');
    expect(probed.message).not.toMatch(/circuit/);
    expect(requestsToFrozen()).toBe(before + 1);
    // The failed probe opened the circuit for another interval.
    expect(circuit.snapshot()).toMatchObject({ state: 'open', failures: FAILURES + 1 });
    for (let i = 0; i < 5; i++)
      expect(rowOf(await list()).message).toMatch(
        /^circuit open since .* after 4 failures \(TIMEOUT\); next probe at /,
      );
    expect(requestsToFrozen()).toBe(before + 1);
  });

  it('closes on the first probe after the cell thaws: rows OK again without a restart', async () => {
    proxy.thaw();
    await untilProbeDue(topo.gateway, frozen());
    const before = requestsToFrozen();
    const page = await list();
    expect(page.complete).toBe(true);
    expect(rowOf(page)).toMatchObject({ status: 'OK', message: null });
    expect(page.edges).toHaveLength(cell1.length + cell2.length);
    expect(requestsToFrozen()).toBe(before + 1);
    expect((await readyCell()).circuit).toEqual({
      state: 'closed',
      since: null,
      failures: 0,
      lastFailure: 'TIMEOUT',
      nextProbeAt: null,
    });
    await list();
    expect(requestsToFrozen()).toBe(before + 2);
  });

  it('starts closed again when the cell is re-pointed', async () => {
    proxy.freeze();
    for (let i = 0; i < FAILURES; i++) await list();
    expect((await breaker()).phase()).toBe('open');
    await topo.api.cellMapping.update({ where: { uuid: frozen() }, data: { graphqlUrl: topo.cells[1].subgraph!.url } });
    await topo.gateway.directory.refresh();
    expect((await readyCell()).circuit).toMatchObject({ state: 'closed', failures: 0 });
    expect(rowOf(await list()).status).toBe('OK');
  });
});
