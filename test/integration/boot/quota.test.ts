import { releaseDeletedServer } from '../../../domain/quotas/releaseServer';
import { bootUsage, CREATE, DELETE, startBootWorld, waitFor, waitForStatus, type BootWorld } from './bootFixture';

describe('boot quotas', () => {
  let world: BootWorld;
  beforeAll(async () => {
    world = await startBootWorld();
  });
  afterAll(() => world?.stop());

  const limit = (projectId: string, resource: string, hardLimit: number) =>
    world.topo.api.quota.create({ data: { projectId, resource, hardLimit } });
  const boot = async (token: string, input: Record<string, unknown>) =>
    (await world.topo.query(CREATE, { input: { flavorId: world.flavorId, imageRef: 'cirros', ...input } }, token)).body;

  it('refuses a boot over quota with the resource, limit, usage and request, and writes nothing', async () => {
    const token = await world.topo.token('p-over');
    await limit('p-over', 'cores', 2);
    expect((await boot(token, { name: 'a', maxCount: 2 })).errors).toBeUndefined();
    const body = await boot(token, { name: 'b' });
    expect(body.errors?.[0].extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      resource: 'cores',
      limit: 2,
      inUse: 2,
      reserved: 0,
      requested: 1,
    });
    expect(body.errors?.[0].message).toBe(
      'Quota exceeded for cores: requested 1, but already used 2 of 2 (in use 2, reserved 0)',
    );
    expect(await world.topo.api.instanceMapping.count({ where: { projectId: 'p-over' } })).toBe(2);
    expect(await world.topo.api.buildRequest.count({ where: { projectId: 'p-over' } })).toBe(0);
    expect(await bootUsage(world.topo, token, 'p-over')).toMatchObject({
      instances: { inUse: 2, reserved: 0 },
      cores: { inUse: 2, reserved: 0 },
    });
  });

  it('lets exactly 10 of 20 concurrent boots through a quota of 10 instances', async () => {
    const token = await world.topo.token('p-race');
    await limit('p-race', 'instances', 10);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => boot(token, { name: `race-${i}` })));
    const created = answers.filter((a) => a.data?.createServer);
    const refused = answers.filter((a) => a.errors?.[0].extensions.code === 'QUOTA_EXCEEDED');
    expect([created.length, refused.length]).toEqual([10, 10]);
    expect(await world.topo.api.instanceMapping.count({ where: { projectId: 'p-race' } })).toBe(10);
    expect(await bootUsage(world.topo, token, 'p-race')).toMatchObject({
      instances: { inUse: 10, reserved: 0 },
      cores: { inUse: 10, reserved: 0 },
    });
  });

  it('creates all of a multi-create or none: as many as fit between minCount and maxCount', async () => {
    const token = await world.topo.token('p-multi');
    await limit('p-multi', 'instances', 3);
    const none = await boot(token, { name: 'batch', minCount: 4, maxCount: 5 });
    expect(none.errors?.[0].extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      resource: 'instances',
      limit: 3,
      inUse: 0,
      requested: 4,
    });
    expect(await world.topo.api.instanceMapping.count({ where: { projectId: 'p-multi' } })).toBe(0);
    const some = await boot(token, { name: 'batch', minCount: 2, maxCount: 5 });
    expect(some.errors).toBeUndefined();
    const rows = await world.topo.api.buildRequest.count({ where: { projectId: 'p-multi' } });
    expect(rows).toBe(0);
    const names = await Promise.all(
      some.data!.createServer.servers.map(
        async (s: any) => (await waitForStatus(world.topo, token, s.uuid, 'ACTIVE')).displayName,
      ),
    );
    expect(names).toEqual(['batch-1', 'batch-2', 'batch-3']);
  });

  it("holds a user to their own lower limit within the project's", async () => {
    const token = await world.topo.token('p-user', { userId: 'alice' });
    await world.topo.api.projectUserQuota.create({
      data: { projectId: 'p-user', userId: 'alice', resource: 'ram', hardLimit: 1000 },
    });
    expect((await boot(token, { name: 'one' })).errors).toBeUndefined();
    const body = await boot(token, { name: 'two' });
    expect(body.errors?.[0].extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      resource: 'ram',
      scope: 'user',
      limit: 1000,
      inUse: 512,
      requested: 512,
    });
  });

  it('keeps usage, and refusals, right while the cell holding the servers is down', async () => {
    const { topo } = world;
    const token = await topo.token('p-down');
    await limit('p-down', 'instances', 2);
    const body = await boot(token, { name: 'held', minCount: 2 });
    await Promise.all(body.data!.createServer.servers.map((s: any) => waitForStatus(topo, token, s.uuid, 'ACTIVE')));
    const before = await bootUsage(topo, token, 'p-down');
    await Promise.all(topo.cells.filter((c) => c.name !== 'cell0').map((c) => c.stop()));
    try {
      expect(await bootUsage(topo, token, 'p-down')).toEqual(before);
      expect((await boot(token, { name: 'third' })).errors?.[0].extensions).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        resource: 'instances',
        inUse: 2,
      });
    } finally {
      await Promise.all(topo.cells.filter((c) => c.name !== 'cell0').map((c) => c.start()));
    }
    expect(before).toMatchObject({ instances: { inUse: 2 }, cores: { inUse: 2 }, ram: { inUse: 1024 } });
  });

  it('gives usage back once the compute agent confirms the deletion, and only once', async () => {
    const { topo } = world;
    const token = await topo.token('p-delete');
    const uuid = (await boot(token, { name: 'short-lived' })).data!.createServer.servers[0].uuid;
    await waitForStatus(topo, token, uuid, 'ACTIVE');
    expect((await bootUsage(topo, token, 'p-delete')).ram.inUse).toBe(512);
    expect((await topo.query(DELETE, { uuid }, token)).body.errors).toBeUndefined();
    await waitFor('the agent to confirm the deletion', async () => world.released.includes(uuid));
    expect(await bootUsage(topo, token, 'p-delete')).toMatchObject({
      instances: { inUse: 0 },
      cores: { inUse: 0 },
      ram: { inUse: 0 },
    });
    expect(await topo.api.instanceMapping.findUnique({ where: { instanceUuid: uuid } })).toMatchObject({
      queuedForDelete: true,
    });
    // A retried hook or a redelivered confirmation changes nothing.
    expect(await releaseDeletedServer(topo.api, uuid, { vcpus: 1, memoryMb: 512 })).toBe(false);
    expect(await bootUsage(topo, token, 'p-delete')).toMatchObject({
      instances: { inUse: 0 },
      cores: { inUse: 0 },
      ram: { inUse: 0 },
    });
  });

  it('gives the instance back when a server buried in cell0 is deleted there (no agent to confirm it)', async () => {
    const { topo } = world;
    const token = await topo.token('p-buried');
    await topo.api.cellMapping.updateMany({ where: { uuid: { not: world.cell0.uuid } }, data: { disabled: true } });
    let uuid: string;
    try {
      uuid = (await boot(token, { name: 'doomed' })).data!.createServer.servers[0].uuid;
    } finally {
      await topo.api.cellMapping.updateMany({ data: { disabled: false } });
    }
    await waitForStatus(topo, token, uuid, 'ERROR');
    expect(await bootUsage(topo, token, 'p-buried')).toMatchObject({
      instances: { inUse: 1 },
      cores: { inUse: 0 },
      ram: { inUse: 0 },
    });
    expect((await topo.query(DELETE, { uuid }, token)).body.errors).toBeUndefined();
    expect(world.released).toContain(uuid);
    expect(await bootUsage(topo, token, 'p-buried')).toMatchObject({
      instances: { inUse: 0 },
      cores: { inUse: 0 },
      ram: { inUse: 0 },
    });
    expect(await releaseDeletedServer(topo.api, uuid)).toBe(false);
  });
});
