import { prepareWorld } from './scenario';
import { describeFault } from './verdicts';
import { BUDGETS, startWorld, type World } from './world';

// cell2's subgraph is a child process (SIGKILL, SIGSTOP and SIGCONT are real); cell3's
// mapping names an HTTP proxy in front of its subgraph that can answer late or wrongly.
// Their hosts have the most free RAM, so the scheduler tries them first.
const SLOW_MS = BUDGETS.cellTimeoutMs * 2.5;

describe('fault matrix: a cell subgraph fails', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      cells: [
        { name: 'cell0', cell0: true },
        { name: 'cell1', queue: true, hosts: [{ host: 'compute1', memoryMb: 16384 }] },
        { name: 'cell2', queue: true, hosts: [{ host: 'compute2', memoryMb: 65536 }], child: true },
        { name: 'cell3', queue: true, hosts: [{ host: 'compute3', memoryMb: 49152 }], httpProxy: true },
      ],
    });
    await prepareWorld(world);
  }, 120000);
  afterAll(() => world?.stop());

  const w = () => world;
  const child = (world: World) => ({
    victim: world.cell('cell2'),
    healthy: world.cell('cell1'),
    actionCell: world.cell('cell2'),
  });
  const proxied = (world: World) => ({
    victim: world.cell('cell3'),
    healthy: world.cell('cell1'),
    actionCell: world.cell('cell3'),
  });

  describeFault(w, 'sg-killed', (world) => ({
    ...child(world),
    inject: () => world.cell('cell2').child!.kill(),
    restore: () => world.cell('cell2').child!.start(),
  }));

  describeFault(w, 'sg-frozen', (world) => ({
    ...child(world),
    inject: async () => world.cell('cell2').child!.freeze(),
    restore: async () => world.cell('cell2').child!.thaw(),
    // What the frozen process had read from its sockets, it does after SIGCONT.
    settleMs: 1500,
  }));

  describeFault(w, 'sg-slow', (world) => ({
    ...proxied(world),
    inject: async () => world.cell('cell3').httpProxy!.set({ kind: 'delay', ms: SLOW_MS }),
    restore: async () => world.cell('cell3').httpProxy!.set({ kind: 'forward' }),
    // Requests already delayed still reach the cell, late.
    settleMs: SLOW_MS + 500,
  }));

  describeFault(w, 'sg-500', (world) => ({
    ...proxied(world),
    inject: async () => world.cell('cell3').httpProxy!.set({ kind: 'status500' }),
    restore: async () => world.cell('cell3').httpProxy!.set({ kind: 'forward' }),
  }));

  describeFault(w, 'sg-non-json', (world) => ({
    ...proxied(world),
    inject: async () => world.cell('cell3').httpProxy!.set({ kind: 'nonJson' }),
    restore: async () => world.cell('cell3').httpProxy!.set({ kind: 'forward' }),
  }));

  describeFault(w, 'sg-other-schema', (world) => ({
    ...proxied(world),
    inject: async () => world.cell('cell3').httpProxy!.set({ kind: 'otherSchema' }),
    restore: async () => world.cell('cell3').httpProxy!.set({ kind: 'forward' }),
  }));
});
