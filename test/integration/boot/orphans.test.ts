import { quotaRecount } from '../../../cellsAdmin';
import { createCellClient } from '../../../prisma/clients';
import { flavorInclude } from '../../../domain/flavorRow';
import { amountsOf } from '../../../domain/quotas/bootUsage';
import { reserveServers } from '../../../subgraphs/global/quotas/reserveServers';
import { reapBuilds, type BuildReaperDeps } from '../../../subgraphs/global/scheduler/buildReaper';
import { settleBuild, writeBuildRecords, type PendingBuild } from '../../../subgraphs/global/scheduler/buildRecords';
import { buildInCell } from '../../../subgraphs/global/scheduler/cellBuild';
import { CellPool } from '../../../subgraphs/global/scheduler/cellPool';
import type { ServerRequest } from '../../../subgraphs/global/scheduler/serverInput';
import { silentLogger } from '../../../infrastructure/logger';
import { TEST_SECRET } from '../../helpers/topology';
import { bootUsage, waitFor, waitForStatus } from './bootFixture';
import { cellsHolding, closeDatabase, startSchedulerWorld, startSlowCell, type SchedulerWorld } from './schedulerWorld';

const CREATE_GLOBAL_FIELDS = `mutation($input: CreateServerInput!) { createServer(input: $input) { servers { uuid cell { name isCell0 } } } }`;

// cell2's host has the most free RAM: the scheduler tries it first.
const CELLS = [
  { name: 'cell1', hosts: ['o1-host'], node: { vcpus: 64, memoryMb: 65536, localGb: 1000 } },
  { name: 'cell2', hosts: ['o2-host'], node: { vcpus: 64, memoryMb: 131072, localGb: 1000 } },
];

describe('no orphans on the boot path', () => {
  let world: SchedulerWorld;
  let flavorId: string;
  let pool: CellPool;
  let reaper: BuildReaperDeps;
  const access = {
    openCell: (url: string) => createCellClient(url, { max: 1 }),
    releaseCell: (client: { $disconnect(): Promise<void> }) => client.$disconnect(),
  };

  beforeAll(async () => {
    world = await startSchedulerWorld(CELLS);
    flavorId = await world.flavor('m1.orphan', { vcpus: 1, memoryMb: 512 });
    pool = new CellPool();
    reaper = { api: world.topo.api, pool, internalSecret: TEST_SECRET, cellTimeoutMs: 2000, logger: silentLogger() };
  });
  afterAll(async () => {
    await pool?.close();
    await world?.stop();
  });

  /** Writes what createServer writes before it asks any cell (reservation, build request, spec, mapping), then "crashes". */
  async function strand(projectId: string): Promise<PendingBuild> {
    const flavor = await world.topo.api.instanceType.findUniqueOrThrow({
      where: { id: Number(flavorId) },
      include: flavorInclude,
    });
    const request: ServerRequest = {
      name: 'stranded',
      flavor,
      imageRef: 'cirros',
      keyPair: null,
      metadata: [],
      securityGroups: ['default'],
      zoneCell: null,
      minCount: 1,
      maxCount: 1,
    };
    const scope = { projectId, userId: `${projectId}-user` };
    const [build] = await world.topo.api.$transaction(async (tx) =>
      writeBuildRecords(tx, scope, request, await reserveServers(tx, scope, amountsOf(flavor), 1, 1), 'r-stranded'),
    );
    return build;
  }
  // Every build request counts as older than the budget.
  const reapAll = () => reapBuilds(reaper, { olderThanMs: 60000, now: new Date(Date.now() + 120000) });
  const cellId = async (name: string) =>
    (await world.topo.api.cellMapping.findUniqueOrThrow({ where: { uuid: world.cell(name).uuid } })).id;
  const recount = (projectId: string) => quotaRecount(world.topo.api, access, { projectId, dryRun: true });

  describe('build requests stranded after their reservation committed', () => {
    it('buries one no cell holds in cell0 in ERROR, converting its reservation, and quota-recount agrees before and after', async () => {
      const token = await world.topo.token('p-strand');
      const build = await strand('p-strand');
      expect(await bootUsage(world.topo, token, 'p-strand')).toMatchObject({
        instances: { inUse: 0, reserved: 1 },
        cores: { inUse: 0, reserved: 1 },
        ram: { inUse: 0, reserved: 512 },
      });
      expect((await recount('p-strand')).drifted).toBe(false);

      const result = await reapAll();
      expect(result).toMatchObject({ buried: [build.instanceUuid], settled: [], left: [], released: [] });
      expect(await cellsHolding(world, build.instanceUuid)).toEqual(['cell0']);
      const instance = await waitForStatus(world.topo, token, build.instanceUuid, 'ERROR');
      expect(instance).toMatchObject({ displayName: 'stranded', cell: { name: 'cell0', isCell0: true } });
      expect(instance.fault.message).toMatch(
        /^No valid host was found\. Its createServer did not finish within 60000 ms/,
      );
      expect(await world.topo.api.buildRequest.count({ where: { instanceUuid: build.instanceUuid } })).toBe(0);
      expect(await bootUsage(world.topo, token, 'p-strand')).toMatchObject({
        instances: { inUse: 1, reserved: 0 },
        cores: { inUse: 0, reserved: 0 },
        ram: { inUse: 0, reserved: 0 },
      });
      expect((await recount('p-strand')).drifted).toBe(false);
    });

    it('settles exactly once: a createServer that finishes late, or a second round, changes nothing', async () => {
      const token = await world.topo.token('p-strand');
      const mapping = await world.topo.api.instanceMapping.findFirstOrThrow({ where: { projectId: 'p-strand' } });
      const before = await bootUsage(world.topo, token, 'p-strand');
      const amounts = { instances: 1, cores: 1, ram: 512 };
      expect(
        await settleBuild(
          world.topo.api,
          { projectId: 'p-strand', userId: 'p-strand-user' },
          mapping.instanceUuid,
          await cellId('cell1'),
          amounts,
          amounts,
        ),
      ).toBe(false);
      expect(await reapAll()).toEqual({ buried: [], settled: [], left: [], released: [] });
      expect(await bootUsage(world.topo, token, 'p-strand')).toEqual(before);
      expect(
        await world.topo.api.instanceMapping.findUniqueOrThrow({ where: { instanceUuid: mapping.instanceUuid } }),
      ).toMatchObject({ cellId: mapping.cellId });
    });

    it('completes the mapping of one a cell built before the crash, where it is, and turns the reservation into usage', async () => {
      const token = await world.topo.token('p-built');
      const build = await strand('p-built');
      const cell1 = world.cell('cell1');
      const flavor = await world.topo.api.instanceType.findUniqueOrThrow({ where: { id: Number(flavorId) } });
      const built = await buildInCell(
        cell1.subgraph!.url,
        {
          uuid: build.instanceUuid,
          projectId: 'p-built',
          userId: 'p-built-user',
          displayName: build.displayName,
          host: 'o1-host',
          node: 'o1-host',
          flavor: {
            id: String(flavor.id),
            flavorid: flavor.flavorid,
            name: flavor.name,
            memoryMb: flavor.memoryMb,
            vcpus: flavor.vcpus,
            rootGb: flavor.rootGb,
            ephemeralGb: flavor.ephemeralGb,
            swap: flavor.swap,
          },
          imageRef: 'cirros',
          launchIndex: 0,
          reservationId: build.reservationId,
          metadata: [],
          securityGroups: ['default'],
          requestId: `req-${build.instanceUuid}`,
        },
        { secret: TEST_SECRET, timeoutMs: 5000 },
      );
      expect(built).toEqual({ ok: true });
      // The crash: the mapping was never settled.
      expect((await recount('p-built')).drifted).toBe(false);

      expect(await reapAll()).toMatchObject({ settled: [build.instanceUuid], buried: [] });
      expect(await cellsHolding(world, build.instanceUuid)).toEqual(['cell1']);
      expect(
        await world.topo.api.instanceMapping.findUniqueOrThrow({ where: { instanceUuid: build.instanceUuid } }),
      ).toMatchObject({ cellId: await cellId('cell1') });
      expect((await waitForStatus(world.topo, token, build.instanceUuid, 'ACTIVE')).cell.name).toBe('cell1');
      expect(await bootUsage(world.topo, token, 'p-built')).toMatchObject({
        instances: { inUse: 1, reserved: 0 },
        cores: { inUse: 1, reserved: 0 },
        ram: { inUse: 512, reserved: 0 },
      });
      expect((await recount('p-built')).drifted).toBe(false);
    });

    it('leaves one alone while a cell database does not answer (it may hold the server), and takes it over once it does', async () => {
      const build = await strand('p-silent');
      const closed = await closeDatabase(world.cell('cell2').db.name);
      try {
        expect(await reapAll()).toMatchObject({ left: [build.instanceUuid], buried: [], settled: [] });
        expect(await world.topo.api.buildRequest.count({ where: { instanceUuid: build.instanceUuid } })).toBe(1);
      } finally {
        await closed.open();
      }
      expect(await reapAll()).toMatchObject({ buried: [build.instanceUuid], left: [] });
      expect(await cellsHolding(world, build.instanceUuid)).toEqual(['cell0']);
    });

    it('is run by the global subgraph itself, every CELLS_BUILD_REAPER_MS, on build requests older than the budget', async () => {
      await world.restartGlobal({ buildReaperMs: 200, budgetMs: 300, cellTimeoutMs: 1000 });
      try {
        const build = await strand('p-periodic');
        await waitFor(
          'the reaper to take the build request over',
          async () => (await world.topo.api.buildRequest.count({ where: { instanceUuid: build.instanceUuid } })) === 0,
        );
        expect(await cellsHolding(world, build.instanceUuid)).toEqual(['cell0']);
      } finally {
        await world.restartGlobal();
      }
    });
  });

  describe('a build that outlives the scheduler’s timeout', () => {
    async function slowCell2(mode: 'request' | 'answer' | 'reset') {
      const cell2 = world.cell('cell2');
      const slow = await startSlowCell(cell2.subgraph!.url, mode, 3000);
      await world.topo.api.cellMapping.update({ where: { uuid: cell2.uuid }, data: { graphqlUrl: slow.url } });
      return {
        slow,
        async restore() {
          await world.topo.api.cellMapping.update({
            where: { uuid: cell2.uuid },
            data: { graphqlUrl: cell2.subgraph!.url },
          });
          await slow.close();
        },
      };
    }

    it('keeps a server the cell built although its answer came too late, in that cell only', async () => {
      await world.restartGlobal();
      const token = await world.topo.token('p-late');
      const { slow, restore } = await slowCell2('answer');
      let server: any;
      try {
        // Only global fields: the gateway would read the instance's own through the slow cell too.
        const { body } = await world.topo.query(
          CREATE_GLOBAL_FIELDS,
          { input: { name: 'late', flavorId, imageRef: 'cirros' } },
          token,
        );
        expect(body.errors).toBeUndefined();
        [server] = body.data.createServer.servers;
        expect(slow.answers).toHaveLength(1);
      } finally {
        await restore();
      }
      expect(server.cell).toEqual({ name: 'cell2', isCell0: false });
      expect(await cellsHolding(world, server.uuid)).toEqual(['cell2']);
      await waitForStatus(world.topo, token, server.uuid, 'ACTIVE');
      expect(await bootUsage(world.topo, token, 'p-late')).toMatchObject({
        instances: { inUse: 1, reserved: 0 },
        cores: { inUse: 1, reserved: 0 },
      });
    });

    it('keeps a server the cell built although the connection was cut before its answer, in that cell only', async () => {
      await world.restartGlobal();
      const token = await world.topo.token('p-reset');
      const { slow, restore } = await slowCell2('reset');
      let server: any;
      try {
        const { body } = await world.topo.query(
          CREATE_GLOBAL_FIELDS,
          { input: { name: 'cut', flavorId, imageRef: 'cirros' } },
          token,
        );
        expect(body.errors).toBeUndefined();
        [server] = body.data.createServer.servers;
        expect(slow.answers).toHaveLength(1);
      } finally {
        await restore();
      }
      // Before, a reset read as "cell down" and the server was built again in cell1: two cells.
      expect(server.cell).toEqual({ name: 'cell2', isCell0: false });
      expect(await cellsHolding(world, server.uuid)).toEqual(['cell2']);
      expect(await bootUsage(world.topo, token, 'p-reset')).toMatchObject({
        instances: { inUse: 1, reserved: 0 },
        cores: { inUse: 1, reserved: 0 },
      });
    });

    it('never lands a server in two cells when the build reaches the cell after the scheduler moved on', async () => {
      await world.restartGlobal();
      const token = await world.topo.token('p-twice');
      const { slow, restore } = await slowCell2('request');
      let server: any;
      try {
        const body = await world.boot(token, { name: 'once', flavorId });
        expect(body.errors).toBeUndefined();
        [server] = body.data.createServer.servers;
        expect(server.cell).toEqual({ name: 'cell1', isCell0: false });
        // The build reaches cell2 late, finds the host fenced by the scheduler, and writes nothing.
        await waitFor('the late build to reach cell2', async () => slow.answers.length === 1);
        expect(slow.answers[0].errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'CLAIM_CONFLICT' });
      } finally {
        await restore();
      }
      expect(await cellsHolding(world, server.uuid)).toEqual(['cell1']);
      expect(await bootUsage(world.topo, token, 'p-twice')).toMatchObject({
        instances: { inUse: 1, reserved: 0 },
        cores: { inUse: 1, reserved: 0 },
      });
    });
  });
});
