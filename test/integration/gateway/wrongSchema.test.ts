import { startHttpFaultProxy, type HttpFaultProxy } from '../../helpers/faults';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

const ONE = 'query($u: ID!) { instance(uuid: $u) { uuid status projectId cell { name } } }';
const LIST = '{ instances(first: 100) { edges { node { uuid status } } complete cells { cellName status message } } }';
const MAPPINGS =
  'query($c: ID) { instanceMappings(cellUuid: $c, first: 100) { instanceUuid instance { uuid status } } }';
const REBOOT = 'mutation($u: ID!) { rebootInstance(uuid: $u, hard: false) { requestId instance { uuid taskState } } }';
const COOLDOWN_MS = 400;
const WRONG = 'cell cell2 did not answer (ERROR): cell answered with an error';
const MISMATCH = 'cell cell2 did not answer (ERROR): cell serves a different schema than the supergraph expects';
const RAW = /GRAPHQL_VALIDATION_FAILED|Cannot query field|127\.0\.0\.1|http:/;

// cell2 passes its schema check through a proxy, then is "re-deployed" with another
// schema (the proxy answers as a server of another schema): the check that said ok
// once must not let the cell's validation errors through.
describe('a cell re-deployed with another schema after its first check', () => {
  let topo: Topology;
  let proxy: HttpFaultProxy;
  let rows: SeededInstance[];
  let admin: string;
  let demo: string;
  const cell2 = () => topo.cells[1].uuid;
  const readyCell = async () => {
    const res = await fetch(new URL('/readyz', topo.gateway.url), { headers: { authorization: `Bearer ${admin}` } });
    return ((await res.json()) as any).cells.find((c: any) => c.uuid === cell2());
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // set() closes the proxy's idle keep-alive sockets; let the gateway see them closed, so
  // the next request is not a reset of a reused socket (UNAVAILABLE) but the new answer.
  const serve = async (kind: 'forward' | 'otherSchema') => {
    proxy.set({ kind });
    await sleep(100);
  };
  // The right schema again, seen by the gateway (once per cool-down), then another one.
  const redeployWrong = async () => {
    await serve('forward');
    await sleep(COOLDOWN_MS + 100);
    const list = await topo.query(LIST, {}, demo);
    expect(list.body.data.instances.cells.find((c: any) => c.cellName === 'cell2')).toMatchObject({ status: 'OK' });
    await serve('otherSchema');
  };

  beforeAll(async () => {
    // Circuits off (failures 0): each request reaches the cell; the cool-down paces the re-check of a mismatch.
    topo = await startTopology({
      cells: ['cell1', 'cell2'],
      gateway: { cellTimeoutMs: 1000, circuit: { failures: 0, cooldownMs: COOLDOWN_MS } },
    });
    await seedInstances(topo.cells[0], topo.api, { count: 2, projects: ['demo'] });
    rows = await seedInstances(topo.cells[1], topo.api, { count: 3, projects: ['demo'] });
    proxy = await startHttpFaultProxy(topo.cells[1].subgraph!.url);
    await topo.api.cellMapping.update({ where: { uuid: cell2() }, data: { graphqlUrl: proxy.url } });
    await topo.gateway.directory.refresh();
    admin = await topo.token('admin', { admin: true });
    demo = await topo.token('demo');
  });
  afterAll(async () => {
    await proxy?.close();
    await topo?.stop();
  });

  it('passes its first check: the cell is used', async () => {
    const res = await topo.query(ONE, { u: rows[0].uuid }, demo);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.instance).toMatchObject({ uuid: rows[0].uuid, status: 'ACTIVE', cell: { name: 'cell2' } });
    expect((await readyCell()).schema).toBe('ok');
  });

  it('instance(uuid): the UNKNOWN record and CELL_UNAVAILABLE naming the cell (ERROR), then the mismatch once re-checked', async () => {
    await serve('otherSchema');
    const first = await topo.query(ONE, { u: rows[0].uuid }, demo);
    expect(first.status).toBe(200);
    expect(first.body.data.instance).toEqual({
      uuid: rows[0].uuid,
      status: 'UNKNOWN',
      projectId: 'demo',
      cell: { name: 'cell2' },
    });
    expect(first.body.errors).toEqual([
      {
        message: WRONG,
        path: ['instance'],
        extensions: { code: 'CELL_UNAVAILABLE', cellUuid: cell2(), status: 'ERROR' },
      },
    ]);
    expect(JSON.stringify(first.body)).not.toMatch(RAW);
    // The validation failure sent the cell back to its schema check: the next request finds the mismatch.
    expect((await readyCell()).schema).toBe('unchecked');
    const second = await topo.query(ONE, { u: rows[1].uuid }, demo);
    expect(second.body.data.instance).toMatchObject({ uuid: rows[1].uuid, status: 'UNKNOWN' });
    expect(second.body.errors).toEqual([
      {
        message: MISMATCH,
        path: ['instance'],
        extensions: { code: 'CELL_UNAVAILABLE', cellUuid: cell2(), status: 'ERROR' },
      },
    ]);
    expect(await readyCell()).toMatchObject({ schema: 'mismatch', lastStatus: { status: 'ERROR' } });
    const list = await topo.query(LIST, {}, demo);
    expect(list.body.data.instances.complete).toBe(false);
    expect(list.body.data.instances.cells.find((c: any) => c.cellName === 'cell2')).toMatchObject({ status: 'ERROR' });
  });

  it("entities: each of the cell's instances null with its own CELL_UNAVAILABLE naming the cell", async () => {
    await redeployWrong();
    const res = await topo.query(MAPPINGS, { c: cell2() }, admin);
    expect(res.status).toBe(200);
    const mappings = res.body.data.instanceMappings as { instanceUuid: string; instance: unknown }[];
    expect(mappings.map((m) => m.instanceUuid).sort()).toEqual(rows.map((r) => r.uuid).sort());
    expect(mappings.every((m) => m.instance === null)).toBe(true);
    expect(res.body.errors).toHaveLength(rows.length);
    for (const error of res.body.errors) {
      expect(error.message).toBe(WRONG);
      expect(error.extensions).toEqual({ code: 'CELL_UNAVAILABLE', cellUuid: cell2(), status: 'ERROR' });
    }
    // One error per index, none for the whole batch.
    expect(new Set(res.body.errors.map((e: any) => JSON.stringify(e.path))).size).toBe(rows.length);
    expect(JSON.stringify(res.body)).not.toMatch(RAW);
  });

  it('an action: CELL_UNAVAILABLE naming the cell (ERROR), nothing written', async () => {
    await redeployWrong();
    const res = await topo.query(REBOOT, { u: rows[2].uuid }, demo);
    expect(res.body.data?.rebootInstance ?? null).toBeNull();
    expect(res.body.errors).toEqual([
      {
        message: WRONG,
        path: ['rebootInstance'],
        extensions: { code: 'CELL_UNAVAILABLE', cellUuid: cell2(), status: 'ERROR' },
      },
    ]);
    expect(await topo.cells[1].prisma.instance.findUniqueOrThrow({ where: { uuid: rows[2].uuid } })).toMatchObject({
      taskState: null,
    });
    // Request errors still pass through as the cell says them.
    const unknown = await topo.query(REBOOT, { u: '00000000-0000-4000-8000-000000000000' }, demo);
    expect(unknown.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('is used again once it serves the right schema, without a restart', async () => {
    await serve('forward');
    await sleep(COOLDOWN_MS + 100);
    const res = await topo.query(ONE, { u: rows[0].uuid }, demo);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.instance).toMatchObject({ uuid: rows[0].uuid, status: 'ACTIVE' });
    expect(await readyCell()).toMatchObject({ schema: 'ok', lastStatus: { status: 'OK' } });
  });
});
