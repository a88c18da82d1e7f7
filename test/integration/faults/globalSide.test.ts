import { closeDatabase, openDatabase } from '../../helpers/faults';
import { prepareWorld } from './scenario';
import { describeFault } from './verdicts';
import { startWorld, type World } from './world';

// The global subgraph runs as a child process (SIGKILL, SIGSTOP and SIGCONT are real);
// the cells and the gateway stay up. The gateway's global deadline is short here, so a
// frozen global subgraph costs each request that long and no more.
describe('fault matrix: the global side fails', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      globalChild: true,
      gateway: { globalTimeoutMs: 1500, globalMutationTimeoutMs: 2500 },
      cells: [
        { name: 'cell0', cell0: true },
        { name: 'cell1', queue: true, hosts: [{ host: 'compute1', memoryMb: 16384 }] },
        { name: 'cell2', queue: true, hosts: [{ host: 'compute2', memoryMb: 65536 }] },
      ],
    });
    await prepareWorld(world);
  }, 120000);
  afterAll(() => world?.stop());

  const w = () => world;
  const cells = (world: World) => ({ victim: null, healthy: world.cell('cell1'), actionCell: world.cell('cell2') });

  describeFault(w, 'global-killed', (world) => ({
    ...cells(world),
    inject: () => world.globalChild!.kill(),
    restore: () => world.globalChild!.start(),
  }));

  describeFault(w, 'global-frozen', (world) => ({
    ...cells(world),
    inject: async () => world.globalChild!.freeze(),
    restore: async () => world.globalChild!.thaw(),
    // A createServer the frozen process had read it carries out after SIGCONT.
    settleMs: 2500,
  }));

  describeFault(w, 'api-db-refused', (world) => ({
    ...cells(world),
    inject: () => closeDatabase(world.apiDb.name),
    restore: () => openDatabase(world.apiDb.name),
  }));
});
