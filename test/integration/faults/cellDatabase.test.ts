import { identityHeaders, SERVICE_IDENTITY } from '../../../domain/identity';
import {
  closeDatabase,
  copyDatabase,
  dropDatabaseNow,
  lockTable,
  lockWaiters,
  openDatabase,
  restoreDatabase,
  setStatementTimeout,
  type TableLock,
} from '../../helpers/faults';
import { TEST_SECRET } from '../../helpers/topology';
import { prepareWorld } from './scenario';
import { describeFault } from './verdicts';
import { startWorld, type World } from './world';

// cell2 is the one that fails: its database sits behind a TCP proxy (its mapping names the
// proxy, so the scheduler reads it there too) and its host has the most free RAM, so the
// scheduler picks it first and must route around it. cell3 is the one whose pool is held:
// a pool of 2 and statements allowed to wait long, so two slow requests keep it full.
const POOL = 2;

// Every fault here is one the cell subgraph must notice itself and answer for (pool wait 2 s,
// statement deadlines 200-600 ms: UNAVAILABLE with its cause); the gateway's deadline must never be
// what decides a row. This world runs the gateway, the global and four cell subgraphs and the TCP
// proxy in this one process: on a loaded 2-core machine the process is not scheduled for hundreds
// of ms, and a 1 s deadline (BUDGETS) then fired before an answer already sent was read, so a list
// row read TIMEOUT (the held cell's, or a healthy cell's first:1000 page). A deadline far above the
// subgraph's own keeps the verdicts about the fault, not the machine's load.
const CELL_TIMEOUT_MS = 10000;

describe('fault matrix: a cell database fails', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      cells: [
        // cell0 and cell1 are never victims here: statement and connect deadlines far above the
        // victims' keep a slow healthy page on a loaded machine from reading as a failed database.
        // Two CI runs did: cell1's statement over 700 ms, then cell1's new connection's connect
        // over the 400 ms pool budget (DB_TIMEOUT in the statement-timeout fault).
        { name: 'cell0', cell0: true, queryTimeoutMs: 5000, poolTimeoutMs: 5000 },
        {
          name: 'cell1',
          queue: true,
          hosts: [{ host: 'compute1', memoryMb: 16384 }],
          queryTimeoutMs: 5000,
          poolTimeoutMs: 5000,
        },
        { name: 'cell2', queue: true, hosts: [{ host: 'compute2', memoryMb: 65536 }], dbProxy: true },
        {
          name: 'cell3',
          queue: true,
          hosts: [{ host: 'compute3', memoryMb: 49152 }],
          poolMax: POOL,
          queryTimeoutMs: 30000,
          // Still far below the gateway's cell deadline, so its held pool answers pool exhausted.
          poolTimeoutMs: 2000,
        },
      ],
      gateway: { cellTimeoutMs: CELL_TIMEOUT_MS },
    });
    await prepareWorld(world);
  }, 120000);
  afterAll(() => world?.stop());

  const w = () => world;
  const cells = (world: World) => ({
    victim: world.cell('cell2'),
    healthy: world.cell('cell1'),
    actionCell: world.cell('cell2'),
  });

  describeFault(w, 'db-closed', (world) => ({
    ...cells(world),
    inject: () => closeDatabase(world.cell('cell2').db.name),
    restore: () => openDatabase(world.cell('cell2').db.name),
  }));

  describeFault(w, 'db-refused', (world) => ({
    ...cells(world),
    inject: () => world.cell('cell2').dbProxy!.set('refuse'),
    restore: () => world.cell('cell2').dbProxy!.set('forward'),
  }));

  describeFault(w, 'db-blackhole', (world) => ({
    ...cells(world),
    inject: () => world.cell('cell2').dbProxy!.set('blackhole'),
    restore: () => world.cell('cell2').dbProxy!.set('forward'),
    // Statements held by the proxy complete once it forwards again.
    settleMs: 1500,
  }));

  let lock: TableLock | undefined;
  describeFault(w, 'db-statement-timeout', (world) => ({
    ...cells(world),
    inject: async () => {
      await setStatementTimeout(world.cell('cell2').db.name, 200);
      lock = await lockTable(world.cell('cell2').db.name, 'instances');
    },
    restore: async () => {
      await lock?.release();
      await setStatementTimeout(world.cell('cell2').db.name, null);
    },
  }));

  // The subgraph's own pool is held: POOL requests straight to it wait on a locked table,
  // each holding a connection; the gateway's requests then wait for the pool.
  let holders: Promise<unknown>[] = [];
  describeFault(w, 'db-pool-exhausted', (world) => ({
    victim: world.cell('cell3'),
    healthy: world.cell('cell1'),
    actionCell: world.cell('cell3'),
    inject: async () => {
      const cell = world.cell('cell3');
      lock = await lockTable(cell.db.name, 'instances');
      holders = Array.from({ length: POOL }, (_, i) =>
        fetch(cell.subgraph!.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...identityHeaders(SERVICE_IDENTITY, TEST_SECRET, `hold-${i}`),
          },
          body: JSON.stringify({ query: '{ instances(first: 1) { edges { cursor } } }' }),
        }).then(
          (r) => r.text(),
          () => undefined,
        ),
      );
      for (let i = 0; i < 100 && (await lockWaiters(cell.db.name)) < POOL; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      if ((await lockWaiters(cell.db.name)) < POOL) throw new Error("could not hold every connection of cell3's pool");
    },
    restore: async () => {
      await lock?.release();
      await Promise.all(holders);
    },
  }));

  // Last: the copy restores the database as it was just before the drop.
  const copyName = () => `${world.cell('cell2').db.name}_copy`;
  describeFault(w, 'db-dropped', (world) => ({
    ...cells(world),
    inject: async () => {
      await copyDatabase(world.cell('cell2').db.name, copyName());
      await dropDatabaseNow(world.cell('cell2').db.name);
    },
    restore: () => restoreDatabase(world.cell('cell2').db.name, copyName()),
  }));
});
