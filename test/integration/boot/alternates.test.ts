import { bootUsage } from './bootFixture';
import {
  cellsHolding,
  closeDatabase,
  startCountingBlackHole,
  startSchedulerWorld,
  type SchedulerWorld,
} from './schedulerWorld';

// cell2's host has the most free RAM, so the weigher picks it first whenever it is readable.
const CELLS = [
  { name: 'cell1', hosts: ['c1-host'], node: { vcpus: 64, memoryMb: 65536, localGb: 1000 }, agent: false },
  { name: 'cell2', hosts: ['c2-host'], node: { vcpus: 64, memoryMb: 131072, localGb: 1000 } },
  { name: 'cell3', hosts: ['c3-host'], node: { vcpus: 64, memoryMb: 32768, localGb: 1000 } },
];

describe('the scheduler routing boots around cells that are down', () => {
  let world: SchedulerWorld;
  let flavorId: string;
  beforeAll(async () => {
    world = await startSchedulerWorld(CELLS);
    flavorId = await world.flavor('m1.alt', { vcpus: 1, memoryMb: 512 });
  });
  afterAll(() => world?.stop());

  // Points a cell's mapping at a subgraph that never answers (as SIGSTOP does) until the returned restore.
  async function freeze(name: string) {
    const hole = await startCountingBlackHole();
    const cell = world.cell(name);
    await world.topo.api.cellMapping.update({ where: { uuid: cell.uuid }, data: { graphqlUrl: hole.url } });
    return {
      hole,
      async thaw() {
        await world.topo.api.cellMapping.update({
          where: { uuid: cell.uuid },
          data: { graphqlUrl: cell.subgraph!.url },
        });
        await hole.close();
      },
    };
  }
  const setDisabled = (name: string, disabled: boolean) =>
    world.topo.api.cellMapping.update({ where: { uuid: world.cell(name).uuid }, data: { disabled } });

  it('lands in the healthy cell when one cell database refuses connections and another cell is frozen, and the next boot asks neither', async () => {
    const token = await world.topo.token('p-alt');
    const frozen = await freeze('cell2');
    const closed = await closeDatabase(world.cell('cell1').db.name);
    let uuids: string[] = [];
    try {
      const first = await world.boot(token, { name: 'first', flavorId });
      expect(first.errors).toBeUndefined();
      expect(first.data.createServer.servers[0].cell).toEqual({ name: 'cell3', isCell0: false });
      // The frozen cell was tried (it had the best host) and given up on after the cell timeout.
      expect(frozen.hole.builds()).toBe(1);

      const second = await world.boot(token, { name: 'second', flavorId });
      expect(second.errors).toBeUndefined();
      expect(second.data.createServer.servers[0].cell).toEqual({ name: 'cell3', isCell0: false });
      // Known down: no build request went to it the second time.
      expect(frozen.hole.builds()).toBe(1);
      uuids = [first, second].map((b) => b.data.createServer.servers[0].uuid);
    } finally {
      await closed.open();
      await frozen.thaw();
    }
    for (const uuid of uuids) expect(await cellsHolding(world, uuid)).toEqual(['cell3']);
    expect(await world.topo.api.buildRequest.count({ where: { projectId: 'p-alt' } })).toBe(0);
    expect(await bootUsage(world.topo, token, 'p-alt')).toMatchObject({
      instances: { inUse: 2, reserved: 0 },
      cores: { inUse: 2, reserved: 0 },
      ram: { inUse: 1024, reserved: 0 },
    });
  });

  it('tries a cell that was down again once its cool-down has passed', async () => {
    await world.restartGlobal({ cellCooldownMs: 3000 });
    await setDisabled('cell1', true);
    const token = await world.topo.token('p-again');
    try {
      const frozen = await freeze('cell2');
      let first: any;
      try {
        first = await world.boot(token, { name: 'while-frozen', flavorId });
      } finally {
        await frozen.thaw();
      }
      expect(first.data.createServer.servers[0].cell.name).toBe('cell3');
      // Thawed, but still within the cool-down: skipped without being asked.
      const during = await world.boot(token, { name: 'during-cooldown', flavorId });
      expect(during.data.createServer.servers[0].cell.name).toBe('cell3');
      expect(await world.cell('cell2').prisma.instance.count({ where: { projectId: 'p-again' } })).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 3100));
      const after = await world.boot(token, { name: 'after-cooldown', flavorId });
      expect(after.errors).toBeUndefined();
      expect(after.data.createServer.servers[0].cell.name).toBe('cell2');
    } finally {
      await setDisabled('cell1', false);
    }
  });

  it('buries the server in cell0 once max_attempts cells failed, saying why', async () => {
    await world.restartGlobal({ maxAttempts: 1 });
    await setDisabled('cell1', true);
    const token = await world.topo.token('p-attempts');
    const frozen = await freeze('cell2');
    let body: any;
    try {
      body = await world.boot(token, { name: 'one-try', flavorId });
    } finally {
      await frozen.thaw();
      await setDisabled('cell1', false);
    }
    expect(body.errors).toBeUndefined();
    const [server] = body.data.createServer.servers;
    expect(server.cell).toEqual({ name: 'cell0', isCell0: true });
    expect(frozen.hole.builds()).toBe(1);
    expect(await cellsHolding(world, server.uuid)).toEqual(['cell0']);
    const fault = await world.cell0.prisma.instanceFault.findFirstOrThrow({ where: { instanceUuid: server.uuid } });
    expect(fault.message).toMatch(
      /^No valid host was found\. The build failed in 1 cell \(max_attempts 1\)\. cell2 \(c2-host\): no answer within 2000 ms/,
    );
    expect(await bootUsage(world.topo, token, 'p-attempts')).toMatchObject({
      instances: { inUse: 1, reserved: 0 },
      cores: { inUse: 0, reserved: 0 },
    });
  });

  it('asks the cells anyway when every enabled cell is known down: cell0 while they stay down, a live cell as soon as one is back', async () => {
    await world.restartGlobal();
    await setDisabled('cell3', true);
    const token = await world.topo.token('p-all-down');
    const frozen = await freeze('cell2');
    const closed = await closeDatabase(world.cell('cell1').db.name);
    let third: any;
    try {
      const first = await world.boot(token, { name: 'a', flavorId });
      expect(first.data.createServer.servers[0].cell.name).toBe('cell0');
      // Both cells are now known down. Skipping them all would bury every boot for the whole
      // cool-down, so the next boot asks them again (and cell2 gets a second build).
      const second = await world.boot(token, { name: 'b', flavorId });
      expect(second.data.createServer.servers[0].cell.name).toBe('cell0');
      expect(frozen.hole.builds()).toBe(2);
      const fault = await world.cell0.prisma.instanceFault.findFirstOrThrow({
        where: { instanceUuid: second.data.createServer.servers[0].uuid },
      });
      expect(fault.message).not.toMatch(/skipped/);
      // The outage ends within the cool-down (a broker restart, say): the next boot lands.
      await frozen.thaw();
      // The gateway may still hold a socket to the thawed black hole for a moment: a few boots at most.
      for (let i = 0; i < 5; i++) {
        third = await world.boot(token, { name: `c${i}`, flavorId });
        if (third.data?.createServer?.servers[0].cell.name === 'cell2') break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(third.data.createServer.servers[0].cell.name).toBe('cell2');
    } finally {
      await closed.open();
      await frozen.thaw();
      await setDisabled('cell3', false);
    }
    expect(await cellsHolding(world, third.data.createServer.servers[0].uuid)).toEqual(['cell2']);
  });
});
