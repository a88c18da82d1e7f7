import { CELL0_UUID } from '../../../cellsAdmin';
import { bootUsage, CREATE, INSTANCE, LIST, startBootWorld, waitForStatus, type BootWorld } from './bootFixture';

describe('booting a server through the gateway', () => {
  let world: BootWorld;
  let token: string;
  beforeAll(async () => {
    world = await startBootWorld();
    token = await world.topo.token('p-boot');
  });
  afterAll(() => world?.stop());

  it('lands ACTIVE on a host of an enabled cell, is listed, and counts its usage', async () => {
    const { topo } = world;
    const { body } = await topo.query(
      CREATE,
      { input: { name: 'web', flavorId: world.flavorId, imageRef: 'cirros' } },
      token,
    );
    expect(body.errors).toBeUndefined();
    const [server] = body.data!.createServer.servers;
    expect(body.data!.createServer.reservationId).toMatch(/^r-[0-9a-f]{8}$/);
    expect(server.cell.isCell0).toBe(false);
    const active = await waitForStatus(topo, token, server.uuid, 'ACTIVE');
    expect(['compute1', 'compute2']).toContain(active.host);
    const list = (await topo.query(LIST, {}, token)).body.data!.instances;
    expect(list.edges.map((e: any) => e.node)).toContainEqual({
      uuid: server.uuid,
      status: 'ACTIVE',
      displayName: 'web',
    });
    expect(await bootUsage(topo, token, 'p-boot')).toMatchObject({
      instances: { inUse: 1, reserved: 0 },
      cores: { inUse: 1, reserved: 0 },
      ram: { inUse: 512, reserved: 0 },
    });
    expect(await topo.api.buildRequest.count({ where: { instanceUuid: server.uuid } })).toBe(0);
  });

  it('places on the host with the most free RAM', async () => {
    const { topo } = world;
    // compute1 or compute2 took the first server; the other one has more free RAM now.
    const first = await topo.api.instanceMapping.findFirstOrThrow({
      where: { projectId: 'p-boot' },
      include: { cell: true },
    });
    const { body } = await topo.query(
      CREATE,
      { input: { name: 'second', flavorId: world.flavorId, imageRef: 'cirros' } },
      token,
    );
    const active = await waitForStatus(topo, token, body.data!.createServer.servers[0].uuid, 'ACTIVE');
    expect(active.cell.name).not.toBe(first.cell!.name);
  });

  it('buries the server in cell0 in ERROR with a fault when every cell but cell0 is disabled, and keeps counting only the instance', async () => {
    const { topo } = world;
    const before = await bootUsage(topo, token, 'p-boot');
    await topo.api.cellMapping.updateMany({ where: { uuid: { not: CELL0_UUID } }, data: { disabled: true } });
    try {
      const { body } = await topo.query(
        CREATE,
        { input: { name: 'doomed', flavorId: world.flavorId, imageRef: 'cirros' } },
        token,
      );
      expect(body.errors).toBeUndefined();
      const [server] = body.data!.createServer.servers;
      expect(server.cell).toMatchObject({ name: 'cell0', isCell0: true });
      const instance = (await topo.query(INSTANCE, { uuid: server.uuid }, token)).body.data!.instance;
      expect(instance).toMatchObject({ status: 'ERROR', vmState: 'error', host: null, fault: { code: 500 } });
      expect(instance.fault.message).toMatch(/^No valid host was found\./);
      const list = (await topo.query(LIST, {}, token)).body.data!.instances;
      expect(list.edges.map((e: any) => e.node)).toContainEqual({
        uuid: server.uuid,
        status: 'ERROR',
        displayName: 'doomed',
      });
      const after = await bootUsage(topo, token, 'p-boot');
      expect(after.instances.inUse).toBe(before.instances.inUse + 1);
      expect(after.cores.inUse).toBe(before.cores.inUse);
      expect(after.ram.inUse).toBe(before.ram.inUse);
      expect(after.instances.reserved + after.cores.reserved + after.ram.reserved).toBe(0);
    } finally {
      await topo.api.cellMapping.updateMany({ data: { disabled: false } });
    }
  });
});
