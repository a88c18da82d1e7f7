import type { GatewayConfig } from '../../../gateway/config';
import { startGateway, type RunningGateway } from '../../../gateway/server';
import { freePort, startChildServer, type ChildServer } from '../../helpers/faults';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startFreezableProxy, type FreezableProxy } from '../../../bench/proxies';
import { startTopology, TEST_JWT_SECRET, TEST_SECRET, type Topology } from '../../helpers/topology';

const GLOBAL_TIMEOUT_MS = 800;
const TIMED_OUT = `global subgraph did not answer within ${GLOBAL_TIMEOUT_MS} ms`;

const LIST = `{
  instances(first: 50, filter: { allProjects: true }) {
    edges { node { uuid displayName flavor { name } cell { name } } }
    complete
    cells { cellName status }
  }
}`;

/** A gateway of its own in front of `globalUrl` (a proxy or a child process), over the topology's cells. */
function gatewayConfig(globalUrl: string): GatewayConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    globalUrl,
    internalSecret: TEST_SECRET,
    jwt: { secret: TEST_JWT_SECRET },
    cellTimeoutMs: 3000,
    cellRefreshMs: 60000,
    mappingCacheTtlMs: 60000,
    mappingCacheMax: 10000,
    maxFirst: 1000,
    maxDepth: 12,
    maxComplexity: 250000,
    maxBodyBytes: 1024 * 1024,
    logLevel: 'silent',
    globalTimeoutMs: GLOBAL_TIMEOUT_MS,
  };
}

async function post(gateway: RunningGateway, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

// What every error about the global subgraph looks like to a client: the code, a fixed message, nothing of where it runs.
function expectCleanGlobalErrors(errors: any[]): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(error.extensions.code).toBe('GLOBAL_UNAVAILABLE');
    expect(error.extensions.response).toBeUndefined();
    expect(JSON.stringify(error)).not.toMatch(/https?:|127\.0\.0\.1|:\/\/|ECONN|Timeout(Error)?\b/);
  }
}

/** Per cell, three instances of a public flavor and one of a private flavor shared with demo. */
async function seed(topo: Topology): Promise<{ rows: SeededInstance[]; admin: string }> {
  const flavor = await topo.api.instanceType.create({
    data: { name: 'm1.small', flavorid: '2', memoryMb: 2048, vcpus: 1, rootGb: 20 },
  });
  const secret = await topo.api.instanceType.create({
    data: { name: 'p1.private', flavorid: 'p1', memoryMb: 512, vcpus: 1, rootGb: 1, isPublic: false },
  });
  await topo.api.instanceTypeProject.create({ data: { instanceTypeId: secret.id, projectId: 'demo' } });
  const rows: SeededInstance[] = [];
  for (const cell of topo.cells) {
    rows.push(...(await seedInstances(cell, topo.api, { count: 3, projects: ['demo'], flavorId: flavor.id })));
    rows.push(...(await seedInstances(cell, topo.api, { count: 1, projects: ['demo'], flavorId: secret.id })));
  }
  return { rows, admin: await topo.token('admin', { admin: true }) };
}

const PRIVATE = 'p1.private';
// The flavor each seeded row has, by uuid (the last row of each cell's four is the private one).
const flavorNames = (rows: SeededInstance[]) =>
  new Map(rows.map((r, i) => [r.uuid, i % 4 === 3 ? PRIVATE : 'm1.small']));

/**
 * The cells' data, each row's `cell` from the router (it knows the cell it asked), the
 * public flavor the gateway held since before the fault, and only what needs the global
 * subgraph (the private flavor, read per caller; the build requests) missing with GLOBAL_UNAVAILABLE.
 */
function expectCellDataWithoutGlobalFields(
  res: { status: number; body: any },
  rows: SeededInstance[],
  topo: Topology,
): void {
  expect(res.status).toBe(200);
  const page = res.body.data.instances;
  expect(page.cells.every((c: any) => c.status === 'OK')).toBe(true);
  expect(page.edges.map((e: any) => e.node.uuid).sort()).toEqual(rows.map((r) => r.uuid).sort());
  for (const { node } of page.edges) {
    expect(node.displayName).toEqual(expect.any(String));
    const flavor = flavorNames(rows).get(node.uuid);
    expect(node.flavor).toEqual(flavor === PRIVATE ? null : { name: flavor });
    const seeded = rows.find((r) => r.uuid === node.uuid)!;
    expect(node.cell).toEqual({ name: topo.cells.find((c) => c.uuid === seeded.cellUuid)!.name });
  }
  expectCleanGlobalErrors(res.body.errors);
  expect(res.body.errors.map((e: any) => e.message)).toContain(TIMED_OUT);
}

describe('a global subgraph that accepts connections and never answers (a frozen proxy in front of it)', () => {
  let topo: Topology;
  let proxy: FreezableProxy;
  let gateway: RunningGateway;
  let rows: SeededInstance[];
  let admin: string;
  const readyz = () => fetch(new URL('/readyz', gateway.url), { headers: { authorization: `Bearer ${admin}` } });

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    ({ rows, admin } = await seed(topo));
    proxy = await startFreezableProxy(topo.global.url);
    gateway = await startGateway(gatewayConfig(proxy.url));
    const warm = await post(gateway, admin, LIST);
    expect(warm.body.errors).toBeUndefined();
    // instance(uuid) of rows[0] leaves its mapping in the gateway's cache.
    expect(
      (await post(gateway, admin, 'query($u: ID!) { instance(uuid: $u) { uuid } }', { u: rows[0].uuid })).body.data
        .instance.uuid,
    ).toBe(rows[0].uuid);
    proxy.freeze();
  });
  afterAll(async () => {
    proxy?.thaw();
    await gateway?.close();
    await topo?.stop();
    await proxy?.close();
  });

  it("answers a list with the cells' data, their cells and the public flavor held (HTTP 200), and GLOBAL_UNAVAILABLE for the private flavor, with a fixed message", async () => {
    expectCellDataWithoutGlobalFields(await post(gateway, admin, LIST), rows, topo);
  });

  it('answers a global root field with GLOBAL_UNAVAILABLE instead of hanging', async () => {
    const res = await post(gateway, admin, '{ flavors { name } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expectCleanGlobalErrors(res.body.errors);
    expect(res.body.errors[0].message).toBe(TIMED_OUT);
  });

  it('routes instance(uuid) by a cached mapping, and answers GLOBAL_UNAVAILABLE for one it would have to look up', async () => {
    const cached = await post(gateway, admin, 'query($u: ID!) { instance(uuid: $u) { uuid displayName } }', {
      u: rows[0].uuid,
    });
    expect(cached.body.data.instance).toEqual({ uuid: rows[0].uuid, displayName: rows[0].displayName });
    const uncached = await post(gateway, admin, 'query($u: ID!) { instance(uuid: $u) { uuid } }', {
      u: rows[rows.length - 1].uuid,
    });
    expect(uncached.status).toBe(200);
    expect(uncached.body.data.instance).toBeNull();
    expectCleanGlobalErrors(uncached.body.errors);
  });

  it('is not ready (503) and says why without a URL', async () => {
    const res = await readyz();
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body.global).toBe(TIMED_OUT);
  });

  it('serves every field again once the global subgraph answers, without a restart', async () => {
    proxy.thaw();
    const res = await post(gateway, admin, LIST);
    expect(res.body.errors).toBeUndefined();
    const names = flavorNames(rows);
    expect(
      res.body.data.instances.edges.every(
        (e: any) => e.node.flavor.name === names.get(e.node.uuid) && e.node.cell.name,
      ),
    ).toBe(true);
    expect((await readyz()).status).toBe(200);
  });
});

describe('a global subgraph frozen with SIGSTOP (a child process)', () => {
  let topo: Topology;
  let child: ChildServer;
  let gateway: RunningGateway;
  let rows: SeededInstance[];
  let admin: string;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1'] });
    ({ rows, admin } = await seed(topo));
    const port = await freePort();
    const env = {
      CELLS_API_DATABASE_URL: topo.apiDb.url,
      CELLS_GLOBAL_PORT: String(port),
      CELLS_HOST: '127.0.0.1',
      CELLS_INTERNAL_SECRET: TEST_SECRET,
      CELLS_LOG_LEVEL: 'silent',
    };
    child = await startChildServer('subgraphs/global/main.ts', [], env, port);
    gateway = await startGateway(gatewayConfig(child.url));
    expect((await post(gateway, admin, LIST)).body.errors).toBeUndefined();
  });
  afterAll(async () => {
    await child?.stop();
    await gateway?.close();
    await topo?.stop();
  });

  it("answers the cells' data with GLOBAL_UNAVAILABLE while it is stopped, and everything after SIGCONT", async () => {
    child.freeze();
    try {
      expectCellDataWithoutGlobalFields(await post(gateway, admin, LIST), rows, topo);
    } finally {
      child.thaw();
    }
    const res = await post(gateway, admin, LIST);
    expect(res.body.errors).toBeUndefined();
    const names = flavorNames(rows);
    expect(res.body.data.instances.edges.every((e: any) => e.node.flavor.name === names.get(e.node.uuid))).toBe(true);
  });
});
