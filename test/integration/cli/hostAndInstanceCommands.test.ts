import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { registerComputeNode } from '../../../cellsAdmin';
import type { ApiClient, CellClient } from '../../../prisma/clients';
import type { TestDatabase } from '../../helpers/databases';
import { startOneCellWorld, type OneCellWorld } from './oneCellWorld';
import { cells } from './runCli';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('the cells command managing hosts and instances', () => {
  let world: OneCellWorld;
  let api: ApiClient;
  let cell: CellClient;
  let cellDb: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    world = await startOneCellWorld('cli_hosts');
    ({ api, cell, cellDb, env } = world);
  });
  afterAll(() => world.close());

  it('discovers hosts once, then finds none new', async () => {
    await registerComputeNode(cell, { host: 'compute1', vcpus: 8, memoryMb: 16384, localGb: 100 });
    await registerComputeNode(cell, { host: 'compute2', vcpus: 8, memoryMb: 16384, localGb: 100 });
    const first = await cells(env, 'discover-hosts');
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('Mapped host compute1 to cell cell1') });
    expect(first.stdout).toContain('2 new host(s) mapped');
    expect(await cells(env, 'discover-hosts', '--cell', 'cell1')).toMatchObject({
      code: 0,
      stdout: '0 new host(s) mapped\n',
    });
  });

  it('lists hosts, of one cell or all, and refuses an unknown cell', async () => {
    const all = await cells(env, 'list-hosts');
    expect(all.stdout).toMatch(/\| cell1 +\| [0-9a-f-]{36} \| compute1 +\|/);
    expect(
      JSON.parse((await cells(env, 'list-hosts', '--cell', 'cell1', '--json')).stdout).map(
        (h: { host: string }) => h.host,
      ),
    ).toEqual(['compute1', 'compute2']);
    expect(await cells(env, 'list-hosts', '--cell', 'nope')).toMatchObject({
      code: 4,
      stderr: expect.stringContaining('--cell: no cell'),
    });
  });

  it('maps instances in batches and refuses a bad batch size', async () => {
    await cell.instance.createMany({
      data: [1, 2, 3].map((n) => ({ uuid: uuidOf(n), projectId: 'demo', vmState: 'active' })),
    });
    expect(await cells(env, 'map-instances', '--cell', 'cell1', '--batch-size', '2')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Mapped 3 instance(s)'),
    });
    expect(await cells(env, 'map-instances', '--cell', 'cell1', '--batch-size', 'lots')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining('"lots"'),
    });
    expect(await cells(env, 'map-instances', '--cell', 'cell1', '--batch-size', '0')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining('--batch-size: expected'),
    });
    expect(await cells(env, 'map-instances')).toMatchObject({ code: 64 });
  });

  it('exits 0 for a mapped instance, 1 without mapping, 2 unscheduled, 3 deleted', async () => {
    await api.instanceMapping.create({ data: { instanceUuid: uuidOf(50), projectId: 'demo' } });
    await cell.instance.update({ where: { uuid: uuidOf(3) }, data: { deleted: 3, vmState: 'deleted' } });
    expect(await cells(env, 'verify-instance', '--uuid', uuidOf(1))).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('is in cell cell1'),
    });
    expect(await cells(env, 'verify-instance', '--uuid', uuidOf(99))).toMatchObject({
      code: 1,
      stdout: expect.stringContaining('not mapped'),
    });
    expect(await cells(env, 'verify-instance', '--uuid', uuidOf(50))).toMatchObject({
      code: 2,
      stdout: expect.stringContaining('not scheduled'),
    });
    expect(await cells(env, 'verify-instance', '--uuid', uuidOf(3), '--quiet')).toEqual({
      code: 3,
      stdout: '',
      stderr: '',
    });
    expect(await cells(env, 'verify-instance', '--uuid', 'x')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining('--uuid: expected a UUID'),
    });
  });

  it('maps cell0 in simple-cell-setup and leaves an existing setup alone', async () => {
    const run = await cells(
      env,
      'simple-cell-setup',
      '--cell0-database',
      cellDb.url.replace(/cells_t_[a-z0-9_]+$/, 'cells_t_nowhere_cell0'),
    );
    expect(run).toMatchObject({ code: 0, stdout: 'Cell setup already done: a cell other than cell0 exists\n' });
    expect(JSON.parse((await cells(env, 'list-cells', '--json')).stdout).map((c: { name: string }) => c.name)).toEqual([
      'cell0',
      'cell1',
    ]);
  });

  it('runs as a real process with the same exit codes', async () => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const spawnEnv = { ...process.env, ...env };
    const mapped = await run(tsx, ['cli/main.ts', 'verify-instance', '--uuid', uuidOf(1)], {
      cwd: root,
      env: spawnEnv,
    });
    expect(mapped.stdout).toContain('is in cell cell1');
    const unscheduled = await run(tsx, ['cli/main.ts', 'verify-instance', '--uuid', uuidOf(50)], {
      cwd: root,
      env: spawnEnv,
    }).catch((err) => err);
    expect(unscheduled.code).toBe(2);
  });
});
