import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../../../prisma/databases';
import { withDatabase } from '../../../prisma/databaseUrl';
import { processAlive } from '../../helpers/faults';
import { rabbitmqctl } from '../../helpers/rabbit';
import { TEST_PREFIX, testServices } from '../../helpers/services';
import { TEST_JWT_SECRET, TEST_SECRET } from '../../helpers/topology';
import { INSTANCE, waitFor } from '../boot/bootFixture';
import { startSchedulerWorld, type SchedulerWorld } from '../boot/schedulerWorld';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The README's "Adding a cell" block, exactly as written there. */
function readmeRecipe(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const match = /<!-- recipe: new cell[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no "recipe: new cell" block');
  return match[1];
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ScriptRun {
  code: number | null;
  output: string;
  pid: number;
}

// bash -e in a process group of its own, so whatever it left running can be stopped as a group.
function runScript(script: string, env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: ROOT, env, detached: true, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, pid: child.pid! }));
  });
}

describe("the README's recipe for a new cell", () => {
  let world: SchedulerWorld;
  let runDir: string;
  let run: ScriptRun | undefined;
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const cellName = `recipe-${suffix}`;
  const cellDb = `${TEST_PREFIX}${suffix}_recipe`;
  const cellVhost = `${TEST_PREFIX}${suffix}_recipe`;
  const pgBase = testServices.pgUrl.replace(/\/[^/]*$/, '');

  beforeAll(async () => {
    // One mapped cell without hosts: a build can only land in the cell the recipe adds.
    world = await startSchedulerWorld([
      { name: 'cell1', hosts: [], node: { vcpus: 8, memoryMb: 8192, localGb: 100 }, agent: false },
    ]);
    runDir = mkdtempSync(path.join(os.tmpdir(), 'cells-recipe-'));
  }, 120000);

  afterAll(async () => {
    // Whatever a failed run left: the script's own group and the groups its pid files name.
    const groups = run ? [run.pid] : [];
    for (const name of ['subgraph', 'compute'])
      try {
        groups.push(Number(readFileSync(path.join(runDir, `${name}.pid`), 'utf8')));
      } catch {
        // never started
      }
    for (const group of groups)
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    await world?.stop();
    await dropDatabase(withDatabase(testServices.pgUrl, cellDb)).catch(() => undefined);
    await rabbitmqctl('delete_vhost', cellVhost).catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  }, 60000);

  it('maps, starts, discovers, checks and enables a cell, and the next boot is built there', async () => {
    const port = await freePort();
    run = await runScript(readmeRecipe(), {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      CELLS_API_DATABASE_URL: world.topo.apiDb.url,
      CELLS_INTERNAL_SECRET: TEST_SECRET,
      CELLS_JWT_SECRET: TEST_JWT_SECRET,
      CELLS_LOG_LEVEL: 'info',
      CELLS_COMPUTE_DELAY_MS: '20',
      CELL: cellName,
      CELL_DB: cellDb,
      CELL_VHOST: cellVhost,
      CELL_PORT: String(port),
      CELL_HOST: `host-${suffix}`,
      PG: pgBase,
      AMQP: testServices.amqpUrl,
      GATEWAY: world.topo.gateway.url.replace(/\/graphql$/, ''),
      RUN_DIR: runDir,
    });
    expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
    expect(run.output).toContain(`Mapped host host-${suffix} to cell ${cellName}`);

    const mapping = await world.topo.api.cellMapping.findFirstOrThrow({ where: { name: cellName } });
    expect(mapping.disabled).toBe(false);
    expect(await world.topo.api.hostMapping.count({ where: { cellId: mapping.id } })).toBe(1);

    // Builds are allowed: the next boot lands in the new cell and its agent makes it ACTIVE.
    const flavorId = await world.flavor('m1.recipe', { vcpus: 1, memoryMb: 512 });
    const token = await world.topo.token('p-recipe');
    const booted = await world.boot(token, { name: 'first-in-new-cell', flavorId });
    expect(booted.errors).toBeUndefined();
    const server = booted.data.createServer.servers[0];
    expect(server.cell).toEqual({ name: cellName, isCell0: false });
    const active = await waitFor(
      'the new cell to build the server',
      async () => {
        const got = await world.topo.query(INSTANCE, { uuid: server.uuid }, token);
        return got.body.data?.instance?.status === 'ACTIVE' && got.body.data.instance;
      },
      60000,
    );
    expect(active).toMatchObject({ host: `host-${suffix}`, cell: { name: cellName } });

    // The README's way to stop the new cell's processes stops them.
    const pids = ['subgraph', 'compute'].map((p) => Number(readFileSync(path.join(runDir, `${p}.pid`), 'utf8')));
    const stopped = await runScript(`for p in "${runDir}"/*.pid; do kill -- -"$(cat "$p")"; done`, {
      PATH: process.env.PATH ?? '',
    });
    expect(stopped.code).toBe(0);
    await waitFor('the new cell subgraph to stop listening', async () => {
      const socket = net.connect(port, '127.0.0.1');
      return new Promise<boolean>((resolve) => {
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
    });
    await waitFor('the processes to exit', async () => pids.every((pid) => !processAlive(pid)));
  }, 300000);
});
