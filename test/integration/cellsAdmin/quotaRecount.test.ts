import { createCell, CellsUnavailableError, mapCell0, quotaRecount, type CellMapping } from '../../../cellsAdmin';
import { flavorInclude } from '../../../domain/flavorRow';
import { amountsOf, BURIED, type UsageScope } from '../../../domain/quotas/bootUsage';
import { releaseDeletedServer } from '../../../domain/quotas/releaseServer';
import { reserveServers } from '../../../subgraphs/global/quotas/reserveServers';
import { settleBuild, writeBuildRecords } from '../../../subgraphs/global/scheduler/buildRecords';
import type { ServerRequest } from '../../../subgraphs/global/scheduler/serverInput';
import { startBlackHole } from '../../../bench/proxies';
import { recordUsage, seedServer, usageRows } from '../../helpers/quotaServers';
import { cellInput, createAdminFixture, rejection, type AdminFixture } from './fixture';

describe('recounting quota usage from the cells', () => {
  let f: AdminFixture;
  let cell0: CellMapping;
  let cell1: CellMapping;
  const inCell1 = (seed: Parameters<typeof seedServer>[3]) => seedServer(f.api, f.cellClient(1), cell1.id, seed);

  beforeAll(async () => {
    f = await createAdminFixture('quota_recount', 2);
    cell0 = (
      await mapCell0(f.api, { databaseConnection: f.cellDbs[0].url, graphqlUrl: 'http://127.0.0.1:4910/graphql' })
    ).cell;
    cell1 = await createCell(f.api, cellInput(1, f.cellDbs[1].url));
  });
  afterAll(() => f.close());

  it('finds no drift after boots, burials, a build not settled yet and releases done by the boot and release code', async () => {
    const flavor = await f.api.instanceType.create({
      data: { name: 'm1.medium', flavorid: 'medium', vcpus: 2, memoryMb: 1024 },
      include: flavorInclude,
    });
    const request: ServerRequest = {
      name: 'web',
      flavor,
      imageRef: 'cirros',
      keyPair: null,
      metadata: [],
      securityGroups: ['default'],
      zoneCell: null,
      minCount: 1,
      maxCount: 1,
    };
    const perServer = amountsOf(flavor);
    const boot = (scope: UsageScope, count: number) =>
      f.api.$transaction(async (tx) =>
        writeBuildRecords(tx, scope, request, await reserveServers(tx, scope, perServer, count, count), 'r-test'),
      );
    const row = (i: number, uuid: string, scope: UsageScope) =>
      f.cellClient(i).instance.create({
        data: {
          uuid,
          ...scope,
          vcpus: flavor.vcpus,
          memoryMb: flavor.memoryMb,
          vmState: i === 0 ? 'error' : 'active',
        },
      });
    const alice = { projectId: 'p-steady', userId: 'alice' };
    const bob = { projectId: 'p-steady', userId: 'bob' };
    const [a1, a2, a3, a4] = await boot(alice, 4);
    for (const b of [a1, a2, a3]) {
      await row(1, b.instanceUuid, alice);
      await settleBuild(f.api, alice, b.instanceUuid, cell1.id, perServer, perServer);
    }
    // a4: the cell built it, the settle has not run yet, so it is still reserved.
    await row(1, a4.instanceUuid, alice);
    const deleted = await f
      .cellClient(1)
      .instance.update({ where: { uuid: a3.instanceUuid }, data: { deleted: 1, vmState: 'deleted' } });
    expect(await releaseDeletedServer(f.api, a3.instanceUuid, deleted)).toBe(true);
    for (const b of await boot(bob, 2)) {
      await row(0, b.instanceUuid, bob);
      await settleBuild(f.api, bob, b.instanceUuid, cell0.id, perServer, BURIED);
    }
    const buried = await f.cellClient(0).instance.findFirstOrThrow({ where: { projectId: 'p-steady' } });
    await f
      .cellClient(0)
      .instance.update({ where: { id: buried.id }, data: { deleted: buried.id, vmState: 'deleted' } });
    expect(await releaseDeletedServer(f.api, buried.uuid, buried)).toBe(true);
    await boot(bob, 1);
    const recorded = await usageRows(f.api, 'p-steady');
    expect(recorded).toEqual({
      'alice/cores': [4, 2],
      'alice/instances': [2, 1],
      'alice/ram': [2048, 1024],
      'bob/cores': [0, 2],
      'bob/instances': [1, 1],
      'bob/ram': [0, 1024],
    });

    const result = await quotaRecount(f.api, f.access, { projectId: 'p-steady' });
    expect(result.drifted).toBe(false);
    expect(result.rows.filter((r) => r.drift)).toEqual([]);
    expect(result.rows.find((r) => r.userId === 'alice' && r.resource === 'cores')).toEqual({
      userId: 'alice',
      resource: 'cores',
      before: { inUse: 4, reserved: 2 },
      after: { inUse: 4, reserved: 2 },
      drift: false,
    });
    expect(result.cells.map((c) => [c.name, c.instances])).toEqual([
      ['cell0', 1],
      ['cell1', 3],
    ]);
    expect(await usageRows(f.api, 'p-steady')).toEqual(recorded);
    expect(f.access.released).toBe(f.access.opened);
  });

  it('corrects usage recorded too high and too low, creates a missing user row and zeroes a user without servers', async () => {
    await inCell1({ projectId: 'p-drift', userId: 'alice', vcpus: 2, memoryMb: 1024 });
    await inCell1({ projectId: 'p-drift', userId: 'alice', vcpus: 2, memoryMb: 1024 });
    // No request spec: the cell row's sizes count, as a release would give them back.
    await inCell1({ projectId: 'p-drift', userId: 'bob', vcpus: 4, memoryMb: 4096, spec: null });
    await recordUsage(f.api, 'p-drift', 'alice', { instances: [5, 0], cores: [1, 0], ram: [2048, 0] });
    await recordUsage(f.api, 'p-drift', 'carol', { instances: [3, 1], cores: [6, 2], ram: [0, 0] });

    const result = await quotaRecount(f.api, f.access, { projectId: 'p-drift' });
    expect(result.drifted).toBe(true);
    expect(result.rows.map((r) => [r.userId, r.resource, r.before, r.after, r.drift])).toEqual([
      ['alice', 'instances', { inUse: 5, reserved: 0 }, { inUse: 2, reserved: 0 }, true],
      ['alice', 'cores', { inUse: 1, reserved: 0 }, { inUse: 4, reserved: 0 }, true],
      ['alice', 'ram', { inUse: 2048, reserved: 0 }, { inUse: 2048, reserved: 0 }, false],
      ['bob', 'instances', null, { inUse: 1, reserved: 0 }, true],
      ['bob', 'cores', null, { inUse: 4, reserved: 0 }, true],
      ['bob', 'ram', null, { inUse: 4096, reserved: 0 }, true],
      ['carol', 'instances', { inUse: 3, reserved: 1 }, { inUse: 0, reserved: 0 }, true],
      ['carol', 'cores', { inUse: 6, reserved: 2 }, { inUse: 0, reserved: 0 }, true],
      ['carol', 'ram', { inUse: 0, reserved: 0 }, { inUse: 0, reserved: 0 }, false],
    ]);
    expect(await usageRows(f.api, 'p-drift')).toEqual({
      'alice/cores': [4, 0],
      'alice/instances': [2, 0],
      'alice/ram': [2048, 0],
      'bob/cores': [4, 0],
      'bob/instances': [1, 0],
      'bob/ram': [4096, 0],
      'carol/cores': [0, 0],
      'carol/instances': [0, 0],
      'carol/ram': [0, 0],
    });
    expect((await quotaRecount(f.api, f.access, { projectId: 'p-drift' })).drifted).toBe(false);
  });

  it('reports drift on a dry run and changes nothing', async () => {
    await inCell1({ projectId: 'p-dry', userId: 'alice', vcpus: 1, memoryMb: 512 });
    await recordUsage(f.api, 'p-dry', 'alice', { instances: [3, 0], cores: [3, 0], ram: [1536, 0] });
    const before = await usageRows(f.api, 'p-dry');
    const result = await quotaRecount(f.api, f.access, { projectId: 'p-dry', dryRun: true });
    expect(result).toMatchObject({ dryRun: true, drifted: true });
    expect(result.rows.map((r) => [r.resource, r.before?.inUse, r.after.inUse])).toEqual([
      ['instances', 3, 1],
      ['cores', 3, 1],
      ['ram', 1536, 512],
    ]);
    expect(await usageRows(f.api, 'p-dry')).toEqual(before);
  });

  it('counts an instance buried in cell0 as one instance, without cores or ram', async () => {
    await seedServer(f.api, f.cellClient(0), cell0.id, {
      projectId: 'p-buried',
      userId: 'alice',
      vcpus: 8,
      memoryMb: 8192,
    });
    const result = await quotaRecount(f.api, f.access, { projectId: 'p-buried' });
    expect(result.rows.map((r) => [r.resource, r.before, r.after, r.drift])).toEqual([
      ['instances', null, { inUse: 1, reserved: 0 }, true],
      ['cores', null, { inUse: 0, reserved: 0 }, false],
      ['ram', null, { inUse: 0, reserved: 0 }, false],
    ]);
    expect(await usageRows(f.api, 'p-buried')).toEqual({
      'alice/cores': [0, 0],
      'alice/instances': [1, 0],
      'alice/ram': [0, 0],
    });
  });

  it('does not count deleted instances, and takes over a release the cell confirmed but the API has not run', async () => {
    await inCell1({ projectId: 'p-gone', userId: 'alice', vcpus: 2, memoryMb: 1024 });
    await inCell1({
      projectId: 'p-gone',
      userId: 'alice',
      vcpus: 2,
      memoryMb: 1024,
      deleted: true,
      queuedForDelete: true,
    });
    const unreleased = await inCell1({ projectId: 'p-gone', userId: 'alice', vcpus: 2, memoryMb: 1024, deleted: true });
    await recordUsage(f.api, 'p-gone', 'alice', { instances: [2, 0], cores: [4, 0], ram: [2048, 0] });

    const result = await quotaRecount(f.api, f.access, { projectId: 'p-gone' });
    expect(result.releasesTakenOver).toEqual([unreleased]);
    expect(await usageRows(f.api, 'p-gone')).toEqual({
      'alice/cores': [2, 0],
      'alice/instances': [1, 0],
      'alice/ram': [1024, 0],
    });
    expect(
      (await f.api.instanceMapping.findUniqueOrThrow({ where: { instanceUuid: unreleased } })).queuedForDelete,
    ).toBe(true);
    // The late release finds the mapping queued: the server is not given back twice.
    expect(await releaseDeletedServer(f.api, unreleased)).toBe(false);
    expect(await usageRows(f.api, 'p-gone')).toEqual({
      'alice/cores': [2, 0],
      'alice/instances': [1, 0],
      'alice/ram': [1024, 0],
    });
  });

  it("recounts one user's usage only when asked", async () => {
    await inCell1({ projectId: 'p-one', userId: 'alice', vcpus: 1, memoryMb: 512 });
    await recordUsage(f.api, 'p-one', 'alice', { instances: [9, 0] });
    await recordUsage(f.api, 'p-one', 'bob', { instances: [9, 0] });
    const result = await quotaRecount(f.api, f.access, { projectId: 'p-one', userId: 'alice' });
    expect([...new Set(result.rows.map((r) => r.userId))]).toEqual(['alice']);
    expect(await usageRows(f.api, 'p-one')).toEqual({
      'alice/cores': [1, 0],
      'alice/instances': [1, 0],
      'alice/ram': [512, 0],
      'bob/instances': [9, 0],
    });
  });

  it('refuses, naming the cell, and writes nothing when a cell database does not answer', async () => {
    await inCell1({ projectId: 'p-down', userId: 'alice', vcpus: 1, memoryMb: 512 });
    await recordUsage(f.api, 'p-down', 'alice', { instances: [7, 0] });
    const down = await createCell(f.api, { ...cellInput(9, 'postgresql://postgres@127.0.0.1:1/x'), disabled: true });
    try {
      const err = await rejection(quotaRecount(f.api, f.access, { projectId: 'p-down' }));
      expect(err).toBeInstanceOf(CellsUnavailableError);
      expect(err).toMatchObject({
        code: 'UNAVAILABLE',
        cells: [{ uuid: down.uuid, name: 'cell9', reason: "Can't reach database server at 127.0.0.1:1" }],
      });
      expect(err.message).toContain(`cell "cell9" (${down.uuid})`);
      expect(err.message).toContain('nothing was written');
      expect(await usageRows(f.api, 'p-down')).toEqual({ 'alice/instances': [7, 0] });
    } finally {
      await f.api.cellMapping.delete({ where: { id: down.id } });
    }
  });

  it('gives up on a cell database that never answers after the cell timeout, writes nothing and frees the project', async () => {
    await recordUsage(f.api, 'p-hole', 'alice', { instances: [2, 0] });
    const hole = await startBlackHole();
    const down = await createCell(f.api, {
      ...cellInput(8, `postgresql://postgres@${new URL(hole.url).host}/x`),
      disabled: true,
    });
    try {
      // 1500 ms: long enough that the live cells answer on a loaded machine (at 300 ms one
      // run also counted cell0 and cell1 as silent), short enough to show it gives up.
      const started = Date.now();
      const err = await rejection(quotaRecount(f.api, f.access, { projectId: 'p-hole', cellTimeoutMs: 1500 }));
      expect(Date.now() - started).toBeLessThan(10000);
      expect(err).toMatchObject({
        code: 'UNAVAILABLE',
        cells: [{ name: 'cell8', reason: 'no answer within 1500 ms' }],
      });
      expect(await usageRows(f.api, 'p-hole')).toEqual({ 'alice/instances': [2, 0] });
    } finally {
      await f.api.cellMapping.delete({ where: { id: down.id } });
      await hole.close();
    }
    expect((await quotaRecount(f.api, f.access, { projectId: 'p-hole' })).rows[0]).toMatchObject({
      resource: 'instances',
      after: { inUse: 0 },
    });
  });

  it('refuses bad input naming the field and the value', async () => {
    expect(await rejection(quotaRecount(f.api, f.access, { projectId: '' }))).toMatchObject({
      code: 'BAD_INPUT',
      field: 'projectId',
      message: 'projectId: expected an id of 1 to 255 printable characters without surrounding spaces, got ""',
    });
    expect(await rejection(quotaRecount(f.api, f.access, { projectId: 'p', userId: ' bob' }))).toMatchObject({
      code: 'BAD_INPUT',
      field: 'userId',
      message: expect.stringContaining('got " bob"'),
    });
    expect(await rejection(quotaRecount(f.api, f.access, { projectId: 'p', cellTimeoutMs: 0 }))).toMatchObject({
      code: 'BAD_INPUT',
      field: 'cellTimeoutMs',
    });
  });
});
