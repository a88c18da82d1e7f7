import { bootUsage, DELETE, waitFor, waitForStatus } from './bootFixture';
import { startSchedulerWorld, type SchedulerWorld } from './schedulerWorld';

const SMALL_NODE = { vcpus: 4, memoryMb: 65536, localGb: 1000 };
const BIG_NODE = { vcpus: 64, memoryMb: 65536, localGb: 1000 };

describe('host capacity claimed in the cell database by concurrent boots', () => {
  let world: SchedulerWorld;
  beforeAll(async () => {
    world = await startSchedulerWorld([
      { name: 'cell1', hosts: ['small-1', 'small-2'], node: SMALL_NODE },
      { name: 'cell2', hosts: ['big-1', 'big-2'], node: BIG_NODE },
    ]);
  });
  afterAll(() => world?.stop());

  const hostsOf = async (uuids: string[]) => {
    const rows = await Promise.all(
      world.topo.cells.map((c) =>
        c.prisma.instance.findMany({ where: { uuid: { in: uuids }, deleted: 0 }, select: { uuid: true, host: true } }),
      ),
    );
    return rows.flat();
  };
  const countBy = (hosts: (string | null)[]) =>
    Object.fromEntries([...new Set(hosts)].sort().map((h) => [h ?? 'none', hosts.filter((x) => x === h).length]));

  it('fills two 4-vcpu hosts with exactly four 2-vcpu servers out of six concurrent boots, two each, and buries the rest in cell0', async () => {
    const flavorId = await world.flavor('m1.pair', { vcpus: 2, memoryMb: 512 });
    const token = await world.topo.token('p-fill');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        world.boot(token, { name: `fill-${i}`, flavorId, availabilityZone: 'cell1' }),
      ),
    );
    expect(answers.map((a) => a.errors)).toEqual(Array(6).fill(undefined));
    const servers = answers.map((a) => a.data.createServer.servers[0]);
    expect(countBy(servers.map((s) => s.cell.name))).toEqual({ cell0: 2, cell1: 4 });
    expect(countBy((await hostsOf(servers.map((s) => s.uuid))).map((r) => r.host))).toEqual({
      none: 2,
      'small-1': 2,
      'small-2': 2,
    });
    const buried = servers.filter((s) => s.cell.isCell0);
    for (const s of buried) {
      const fault = await world.cell0.prisma.instanceFault.findFirstOrThrow({ where: { instanceUuid: s.uuid } });
      expect(fault.message).toBe('No valid host was found. There are not enough hosts available.');
    }
    // Once the agents run them, the nodes count them as used: never past capacity.
    await Promise.all(
      servers.filter((s) => !s.cell.isCell0).map((s) => waitForStatus(world.topo, token, s.uuid, 'ACTIVE')),
    );
    const nodes = await world
      .cell('cell1')
      .prisma.computeNode.findMany({ where: { deleted: 0 }, orderBy: { host: 'asc' } });
    expect(nodes.map((n) => [n.host, n.vcpusUsed])).toEqual([
      ['small-1', 4],
      ['small-2', 4],
    ]);
    expect(await bootUsage(world.topo, token, 'p-fill')).toMatchObject({
      instances: { inUse: 6, reserved: 0 },
      cores: { inUse: 8, reserved: 0 },
    });
  });

  it('gives a deleted server’s capacity back, so the next boot lands on that host', async () => {
    const token = await world.topo.token('p-fill');
    const [victim] = await world
      .cell('cell1')
      .prisma.instance.findMany({ where: { projectId: 'p-fill', host: 'small-2', deleted: 0 }, take: 1 });
    expect((await world.topo.query(DELETE, { uuid: victim.uuid }, token)).body.errors).toBeUndefined();
    await waitFor(
      'the agent to delete it',
      async () =>
        (await world.cell('cell1').prisma.instance.findUnique({ where: { uuid: victim.uuid } }))?.deleted !== 0,
    );
    const flavorId = String((await world.topo.api.instanceType.findFirstOrThrow({ where: { name: 'm1.pair' } })).id);
    const body = await world.boot(token, { name: 'refill', flavorId, availabilityZone: 'cell1' });
    const [server] = body.data.createServer.servers;
    expect(server.cell.name).toBe('cell1');
    expect((await hostsOf([server.uuid]))[0].host).toBe('small-2');
  });

  it('spreads a burst of 25 concurrent boots through a quota of 10 over both hosts, as sequential boots would', async () => {
    const flavorId = await world.flavor('m1.one', { vcpus: 1, memoryMb: 512 });
    const token = await world.topo.token('p-burst');
    await world.topo.api.quota.create({ data: { projectId: 'p-burst', resource: 'instances', hardLimit: 10 } });
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        world.boot(token, { name: `burst-${i}`, flavorId, availabilityZone: 'cell2' }),
      ),
    );
    const created = answers.filter((a) => a.data?.createServer).map((a) => a.data.createServer.servers[0]);
    expect(created).toHaveLength(10);
    expect(answers.filter((a) => a.errors?.[0].extensions.code === 'QUOTA_EXCEEDED')).toHaveLength(15);
    expect(countBy(created.map((s) => s.cell.name))).toEqual({ cell2: 10 });
    expect(countBy((await hostsOf(created.map((s) => s.uuid))).map((r) => r.host))).toEqual({ 'big-1': 5, 'big-2': 5 });
    expect(await bootUsage(world.topo, token, 'p-burst')).toMatchObject({ instances: { inUse: 10, reserved: 0 } });
  });
});
