import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startBlackHole } from '../../../bench/proxies';
import { testServices } from '../../helpers/services';
import { startTopology, type Topology } from '../../helpers/topology';

const ONE = `query($u: ID!) { instance(uuid: $u) {
  uuid status projectId userId createdAt displayName host vmState availabilityZone flavor { name } cell { name } } }`;
const LIST = '{ instances(first: 100) { edges { node { uuid status } } complete cells { cellName status message } } }';

async function pgAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: testServices.pgUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

describe('instance(uuid) when its cell is down', () => {
  let topo: Topology;
  let demo: SeededInstance[];
  let alt: SeededInstance[];
  let demoToken: string;
  let flavorId: number;
  const RAW = /postgres|127\.0\.0\.1|prisma|Invalid|55000|cells_t_|http:/i;

  beforeAll(async () => {
    // Circuits off: every request reaches the cell, so each case sees its own fault.
    topo = await startTopology({
      cells: ['cell1', 'cell2'],
      gateway: { cellTimeoutMs: 1000, circuit: { failures: 0, cooldownMs: 10000 } },
    });
    flavorId = (
      await topo.api.instanceType.create({
        data: { name: 'm1.small', flavorid: '2', memoryMb: 2048, vcpus: 1, rootGb: 20 },
      })
    ).id;
    await seedInstances(topo.cells[0], topo.api, { count: 2, projects: ['demo'] });
    const seeded = await seedInstances(topo.cells[1], topo.api, { count: 6, projects: ['demo', 'alt'], flavorId });
    demo = seeded.filter((r) => r.projectId === 'demo');
    alt = seeded.filter((r) => r.projectId === 'alt');
    await topo.api.requestSpec.create({
      data: {
        instanceUuid: demo[0].uuid,
        spec: JSON.stringify({ flavor: { id: flavorId, name: 'm1.small' }, availability_zone: 'az-2' }),
      },
    });
    await topo.api.instanceMapping.update({ where: { instanceUuid: demo[2].uuid }, data: { queuedForDelete: true } });
    demoToken = await topo.token('demo');
    await topo.query(LIST, {}, await topo.token('admin', { admin: true })); // both cells pass their schema check
  });
  afterAll(async () => {
    await pgAdmin(`ALTER DATABASE "${topo.cells[1].db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await topo?.stop();
  });

  const minimal = (row: SeededInstance, extra: Record<string, unknown> = {}) => ({
    uuid: row.uuid,
    status: 'UNKNOWN',
    projectId: row.projectId,
    userId: row.userId,
    createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    displayName: null,
    host: null,
    vmState: null,
    availabilityZone: null,
    flavor: null,
    cell: { name: 'cell2' },
    ...extra,
  });

  describe('because its database refuses connections (allow_connections off, sessions terminated)', () => {
    beforeAll(async () => {
      await pgAdmin(`ALTER DATABASE "${topo.cells[1].db.name}" ALLOW_CONNECTIONS false`);
      await pgAdmin(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [topo.cells[1].db.name],
      );
    });
    afterAll(() => pgAdmin(`ALTER DATABASE "${topo.cells[1].db.name}" ALLOW_CONNECTIONS true`));

    it('answers the minimal record in data and CELL_UNAVAILABLE naming the cell in errors, with no raw text', async () => {
      const res = await topo.query(ONE, { u: demo[0].uuid }, demoToken);
      expect(res.status).toBe(200);
      expect(res.body.data.instance).toEqual(
        minimal(demo[0], { availabilityZone: 'az-2', flavor: { name: 'm1.small' } }),
      );
      expect(res.body.errors).toEqual([
        {
          message: 'cell cell2 did not answer (UNAVAILABLE): cell database refuses connections',
          path: ['instance'],
          extensions: {
            code: 'CELL_UNAVAILABLE',
            cellUuid: topo.cells[1].uuid,
            status: 'UNAVAILABLE',
            reason: 'DB_REFUSED',
          },
        },
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(RAW);
    });

    it("marks the cell's list row UNAVAILABLE with the cell's fixed message", async () => {
      const res = await topo.query(LIST, {}, demoToken);
      expect(res.body.data.instances.cells).toContainEqual({
        cellName: 'cell2',
        status: 'UNAVAILABLE',
        message: 'cell database refuses connections',
      });
      expect(JSON.stringify(res.body)).not.toMatch(RAW);
    });

    it("answers null, with no error and no cell, for another project's instance", async () => {
      const res = await topo.query(ONE, { u: alt[0].uuid }, demoToken);
      expect(res.body).toEqual({ data: { instance: null } });
    });

    it("answers null for the tenant's instance that is queued for delete, and UNKNOWN for an admin", async () => {
      expect((await topo.query(ONE, { u: demo[2].uuid }, demoToken)).body).toEqual({ data: { instance: null } });
      const asAdmin = await topo.query(ONE, { u: demo[2].uuid }, await topo.token('admin', { admin: true }));
      expect(asAdmin.body.data.instance).toEqual(minimal(demo[2]));
      expect(asAdmin.body.errors[0].extensions.code).toBe('CELL_UNAVAILABLE');
    });

    it('fails an action on it at once with CELL_UNAVAILABLE naming the cell', async () => {
      const res = await topo.query(
        'mutation($u: ID!) { rebootInstance(uuid: $u) { action } }',
        { u: demo[1].uuid },
        demoToken,
      );
      expect(res.status).toBe(200);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'CELL_UNAVAILABLE', cellUuid: topo.cells[1].uuid });
      expect(JSON.stringify(res.body)).not.toMatch(RAW);
    });
  });

  it('answers the minimal record with CELL_UNAVAILABLE when the subgraph is killed', async () => {
    await topo.cells[1].stop();
    try {
      const res = await topo.query(ONE, { u: demo[1].uuid }, demoToken);
      expect(res.body.data.instance).toEqual(minimal(demo[1]));
      expect(res.body.errors[0].extensions).toEqual({
        code: 'CELL_UNAVAILABLE',
        cellUuid: topo.cells[1].uuid,
        status: 'UNAVAILABLE',
      });
    } finally {
      await topo.cells[1].start();
    }
  });

  it('answers the minimal record with CELL_UNAVAILABLE (TIMEOUT) when the cell never answers', async () => {
    const hole = await startBlackHole();
    const repoint = async (url: string) => {
      await topo.api.cellMapping.update({ where: { uuid: topo.cells[1].uuid }, data: { graphqlUrl: url } });
      await topo.gateway.directory.refresh();
    };
    await repoint(hole.url);
    try {
      const res = await topo.query(ONE, { u: demo[1].uuid }, demoToken);
      expect(res.body.data.instance).toEqual(minimal(demo[1]));
      expect(res.body.errors[0].extensions).toEqual({
        code: 'CELL_UNAVAILABLE',
        cellUuid: topo.cells[1].uuid,
        status: 'TIMEOUT',
      });
    } finally {
      await repoint(topo.cells[1].subgraph!.url);
      await hole.close();
    }
  });

  it('answers the live instance again once the cell is back', async () => {
    const res = await topo.query(ONE, { u: demo[1].uuid }, demoToken);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.instance).toMatchObject({ uuid: demo[1].uuid, status: 'ACTIVE', cell: { name: 'cell2' } });
  });

  describe('a server still being scheduled', () => {
    const building = randomUUID();
    const othersBuilding = randomUUID();
    beforeAll(async () => {
      for (const [uuid, projectId] of [
        [building, 'demo'],
        [othersBuilding, 'alt'],
      ]) {
        await topo.api.instanceMapping.create({
          data: { instanceUuid: uuid, cellId: null, projectId, userId: `${projectId}-user` },
        });
        await topo.api.buildRequest.create({
          data: {
            instanceUuid: uuid,
            projectId,
            userId: `${projectId}-user`,
            instance: JSON.stringify({
              displayName: 'web-1',
              flavorId,
              imageRef: 'cirros',
              availabilityZone: 'az-1',
              launchIndex: 0,
              reservationId: 'r-1',
            }),
          },
        });
      }
    });

    it('answers its BUILD record from the build request, as lists show it', async () => {
      const res = await topo.query(ONE, { u: building }, demoToken);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.instance).toEqual({
        uuid: building,
        status: 'BUILD',
        projectId: 'demo',
        userId: 'demo-user',
        createdAt: expect.any(String),
        displayName: 'web-1',
        host: null,
        vmState: 'building',
        availabilityZone: 'az-1',
        flavor: { name: 'm1.small' },
        cell: null,
      });
    });

    it("answers null for another project's", async () => {
      expect((await topo.query(ONE, { u: othersBuilding }, demoToken)).body).toEqual({ data: { instance: null } });
    });
  });
});
