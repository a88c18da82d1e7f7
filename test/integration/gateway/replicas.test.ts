import { startGateway, type RunningGateway } from '../../../gateway/server';
import { pgAdmin, startHttpFaultProxy } from '../../helpers/faults';
import { seedInstances } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';
import { waitFor } from '../cell/support/waitFor';

const LIST = `{ instances(first: 50, filter: { allProjects: true }) {
  edges { node { uuid displayName } } complete cells { cellName status } } }`;
const INSTANCE = `query($uuid: ID!) { instance(uuid: $uuid) { uuid displayName cell { name } } }`;
const CREATE_CELL = `mutation($input: CreateCellInput!) { createCell(input: $input) { uuid name } }`;

// Two gateways over one deployment, as behind a load balancer: `a` as the tests build it
// (no notifications), `b` a replica that LISTENs on the API database. Both refresh their
// cells only every 60 s, so what `b` learns within seconds it learnt from a notification.
describe('gateway replicas over one deployment', () => {
  let topo: Topology;
  let b: RunningGateway;
  let admin: string;

  const ask = async (gateway: RunningGateway, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as any;
  };
  const cellNames = async (gateway: RunningGateway) =>
    ((await ask(gateway, LIST)).data.instances.cells as { cellName: string }[]).map((c) => c.cellName).sort();
  const known = async (gateway: RunningGateway, name: string) =>
    (await gateway.directory.all()).find((entry) => entry.info.name === name)?.info;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    b = await startGateway({ ...topo.gatewayConfig, mappingNotifyUrl: topo.apiDb.url });
    await waitFor('the replica to listen', async () => b.notifications!.phase() === 'listening');
    admin = await topo.token('admin', { admin: true });
    for (const [i, cell] of topo.cells.entries())
      await seedInstances(cell, topo.api, { count: 3, projects: ['p-rep'], slot: i, slots: 2 });
  }, 120000);

  afterAll(async () => {
    await b?.close();
    await topo?.stop();
  });

  it('answer a list and an instance identically', async () => {
    const [fromA, fromB] = await Promise.all([ask(topo.gateway, LIST), ask(b, LIST)]);
    expect(fromA.data.instances.edges).toHaveLength(6);
    expect(fromB.data.instances.edges).toEqual(fromA.data.instances.edges);
    expect(fromB.data.instances.complete).toBe(true);
    const uuid = fromA.data.instances.edges[0].node.uuid;
    expect(await ask(b, INSTANCE, { uuid })).toEqual(await ask(topo.gateway, INSTANCE, { uuid }));
  });

  it('sees a cell created, disabled and deleted through the other one within seconds, not at its 60 s refresh', async () => {
    const cell3 = await topo.addCell('cell3', async (input) => {
      const created = await ask(topo.gateway, CREATE_CELL, { input });
      expect(created.errors).toBeUndefined();
      return created.data.createCell.uuid as string;
    });
    await waitFor('the replica to know cell3', async () => (await known(b, 'cell3')) !== undefined, 10000);
    expect(await cellNames(b)).toEqual(['cell1', 'cell2', 'cell3']);

    const disabled = await ask(topo.gateway, 'mutation { disableCell(cell: "cell3") { disabled } }');
    expect(disabled.data.disableCell.disabled).toBe(true);
    await waitFor('the replica to see cell3 disabled', async () => (await known(b, 'cell3'))?.disabled === true, 10000);

    await cell3.stop();
    const deleted = await ask(topo.gateway, 'mutation { deleteCell(cell: "cell3") { name } }');
    expect(deleted.errors).toBeUndefined();
    await waitFor('the replica to forget cell3', async () => !b.directory.knows(cell3.uuid), 10000);
    expect(await cellNames(b)).toEqual(['cell1', 'cell2']);
    topo.cells.splice(topo.cells.indexOf(cell3), 1);
    await cell3.prisma.$disconnect();
    await cell3.db.drop();
    expect(b.notifications!.stats.cell).toBeGreaterThanOrEqual(3);
  });

  it('forgets a cached instance mapping the moment it changes', async () => {
    const [mine] = await seedInstances(topo.cells[0], topo.api, { count: 1, projects: ['p-move'] });
    const first = await ask(b, INSTANCE, { uuid: mine.uuid });
    expect(first.data.instance.cell.name).toBe('cell1');
    const cached = b.mappingCache.stats.hits;
    expect((await ask(b, INSTANCE, { uuid: mine.uuid })).data.instance.cell.name).toBe('cell1');
    expect(b.mappingCache.stats.hits).toBe(cached + 1);

    // The mapping now names cell2, which does not hold the row: a replica that kept its
    // cached mapping would still answer from cell1.
    const cell2 = await topo.api.cellMapping.findUniqueOrThrow({ where: { uuid: topo.cells[1].uuid } });
    await topo.api.instanceMapping.update({ where: { instanceUuid: mine.uuid }, data: { cellId: cell2.id } });
    await waitFor('the notification', async () => b.notifications!.stats.instance > 0, 10000);
    const fromB = await ask(b, INSTANCE, { uuid: mine.uuid });
    expect(fromB.data?.instance ?? null).toBeNull();
    expect(fromB).toEqual(await ask(topo.gateway, INSTANCE, { uuid: mine.uuid }));
  });

  it('forgets a cached mapping the moment what it caches besides the cell changes (queued for delete, project, user)', async () => {
    // The gateway answers a tenant's instance in a down cell from the cached mapping
    // (Nova's minimal record, none once queued for delete), so these must not outlive a change.
    const [mine] = await seedInstances(topo.cells[0], topo.api, { count: 1, projects: ['p-gone'] });
    const changes = [{ queuedForDelete: true }, { projectId: 'p-other' }, { userId: 'someone-else' }];
    for (const data of changes) {
      expect((await ask(b, INSTANCE, { uuid: mine.uuid })).data.instance.uuid).toBe(mine.uuid);
      const notified = b.notifications!.stats.instance;
      const misses = b.mappingCache.stats.misses;
      await topo.api.instanceMapping.update({ where: { instanceUuid: mine.uuid }, data });
      await waitFor(
        `the notification of ${JSON.stringify(data)}`,
        async () => b.notifications!.stats.instance > notified,
        10000,
      );
      expect((await ask(b, INSTANCE, { uuid: mine.uuid })).data.instance.uuid).toBe(mine.uuid);
      expect(b.mappingCache.stats.misses).toBe(misses + 1);
    }
  });

  it('does not cache a mapping read before a change that arrived while the look-up was in flight', async () => {
    // A replica whose global subgraph answers late: the mapping is read at once, and the
    // change and its notification arrive before the answer does.
    const proxy = await startHttpFaultProxy(topo.gatewayConfig.globalUrl);
    const c = await startGateway({ ...topo.gatewayConfig, globalUrl: proxy.url, mappingNotifyUrl: topo.apiDb.url });
    try {
      await waitFor('the late replica to listen', async () => c.notifications!.phase() === 'listening');
      const [mine] = await seedInstances(topo.cells[0], topo.api, { count: 1, projects: ['p-race'] });
      proxy.set({ kind: 'answerLate', ms: 1500 });
      const inFlight = ask(c, INSTANCE, { uuid: mine.uuid });
      await waitFor('the old mapping to be read', async () => proxy.held() > 0, 10000);
      const notified = c.notifications!.stats.instance;
      const cell2 = await topo.api.cellMapping.findUniqueOrThrow({ where: { uuid: topo.cells[1].uuid } });
      await topo.api.instanceMapping.update({ where: { instanceUuid: mine.uuid }, data: { cellId: cell2.id } });
      await waitFor('the notification', async () => c.notifications!.stats.instance > notified, 10000);
      // Routed by the mapping read before the change, this answer came from cell1.
      expect((await inFlight).data.instance.uuid).toBe(mine.uuid);
      proxy.set({ kind: 'forward' });

      // Had it cached what it read, it would answer from cell1 for the cache's TTL.
      const misses = c.mappingCache.stats.misses;
      const after = await ask(c, INSTANCE, { uuid: mine.uuid });
      expect(c.mappingCache.stats.misses).toBe(misses + 1);
      expect(after.data?.instance ?? null).toBeNull();
      expect(after).toEqual(await ask(topo.gateway, INSTANCE, { uuid: mine.uuid }));
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('resyncs after its LISTEN connection is killed: what changed meanwhile is seen, and later changes at once', async () => {
    const resyncs = b.notifications!.stats.resyncs;
    await pgAdmin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cells-gateway-mappings' AND datname = $1`,
      [topo.apiDb.name],
    );
    // Changed while the replica may not be listening: the resync re-reads it.
    expect((await ask(topo.gateway, 'mutation { disableCell(cell: "cell2") { disabled } }')).errors).toBeUndefined();
    await waitFor('the resync', async () => b.notifications!.stats.resyncs > resyncs, 20000);
    expect(b.notifications!.phase()).toBe('listening');
    expect(await b.metrics.registry.metrics()).toMatch(/^cells_mapping_notifications_up 1$/m);
    // A gateway without a listener reports none.
    expect(await topo.gateway.metrics.registry.metrics()).not.toMatch(/^cells_mapping_notifications_up /m);
    await waitFor('the replica to see cell2 disabled', async () => (await known(b, 'cell2'))?.disabled === true, 10000);
    // And it listens again: the next change arrives as a notification.
    const before = b.notifications!.stats.cell;
    expect((await ask(topo.gateway, 'mutation { enableCell(cell: "cell2") { disabled } }')).errors).toBeUndefined();
    await waitFor('the replica to see cell2 enabled', async () => (await known(b, 'cell2'))?.disabled === false, 10000);
    expect(b.notifications!.stats.cell).toBeGreaterThan(before);
    // Lists kept answering throughout.
    expect((await ask(b, LIST)).data.instances.complete).toBe(true);
  });
});
