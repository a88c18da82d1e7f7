import type { ApiClient } from '../../../prisma/clients';
import { recordUsage, seedServer, usageRows } from '../../helpers/quotaServers';
import { startOneCellWorld, type OneCellWorld } from './oneCellWorld';
import { cells } from './runCli';

describe('the cells command recounting quota usage', () => {
  let world: OneCellWorld;
  let api: ApiClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    world = await startOneCellWorld('cli_quota');
    ({ api, env } = world);
    const cell1 = await api.cellMapping.findFirstOrThrow({ where: { name: 'cell1' } });
    await seedServer(api, world.cell, cell1.id, { projectId: 'demo', userId: 'alice', vcpus: 2, memoryMb: 1024 });
    await seedServer(api, world.cell, cell1.id, { projectId: 'demo', userId: 'bob', vcpus: 1, memoryMb: 512 });
    await recordUsage(api, 'demo', 'alice', { instances: [3, 0], cores: [2, 0], ram: [1024, 0] });
  });
  afterAll(() => world.close());

  it('reports drift on a dry run as a table and a summary, exit 0, changing nothing', async () => {
    const before = await usageRows(api, 'demo');
    const run = await cells(env, 'quota-recount', '--project', 'demo', '--dry-run');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.split('\n');
    expect(lines[1]).toMatch(
      /^\| User +\| Resource +\| Recorded in use \| Counted in use \| Recorded reserved \| Counted reserved \| Drift +\|$/,
    );
    expect(run.stdout).toMatch(/\| alice +\| instances +\| 3 +\| 1 +\| 0 +\| 0 +\| -2 +\|/);
    expect(run.stdout).toMatch(/\| alice +\| cores +\| 2 +\| 2 +\| 0 +\| 0 +\| - +\|/);
    expect(run.stdout).toMatch(/\| bob +\| ram +\| - +\| 512 +\| - +\| 0 +\| \+512 +\|/);
    expect(lines.at(-2)).toBe('Drift in 4 of 6 row(s) for project demo: 1 cell(s) counted, dry run, nothing changed');
    expect(await usageRows(api, 'demo')).toEqual(before);
  });

  it('prints the recount as JSON with --json', async () => {
    const run = await cells(env, 'quota-recount', '--project', 'demo', '--user', 'bob', '--dry-run', '--json');
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      projectId: 'demo',
      userId: 'bob',
      dryRun: true,
      drifted: true,
      releasesTakenOver: [],
    });
    expect(result.rows[0]).toEqual({
      userId: 'bob',
      resource: 'instances',
      before: null,
      after: { inUse: 1, reserved: 0 },
      drift: true,
    });
  });

  it('sets usage to the recount, then finds no drift', async () => {
    const run = await cells(env, 'quota-recount', '--project', 'demo');
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        'Drift in 4 of 6 row(s) for project demo: 1 cell(s) counted, usage set to the recount',
      ),
    });
    expect(await usageRows(api, 'demo')).toEqual({
      'alice/cores': [2, 0],
      'alice/instances': [1, 0],
      'alice/ram': [1024, 0],
      'bob/cores': [1, 0],
      'bob/instances': [1, 0],
      'bob/ram': [512, 0],
    });
    expect((await cells(env, 'quota-recount', '--project', 'demo')).stdout).toMatch(
      /\nNo drift for project demo: 1 cell\(s\) counted\n$/,
    );
  });

  it('refuses with exit 75, naming the cell, and writes nothing while a cell database refuses connections', async () => {
    await recordUsage(api, 'demo', 'carol', { instances: [4, 0] });
    const created = await cells(
      env,
      'create-cell',
      '--name',
      'cell2',
      '--database',
      'postgresql://postgres@127.0.0.1:1/x',
      '--transport',
      'amqp://127.0.0.1/y',
      '--graphql-url',
      'http://127.0.0.1:2/graphql',
    );
    expect(created.code).toBe(0);
    try {
      const run = await cells(env, 'quota-recount', '--project', 'demo');
      expect(run).toMatchObject({ code: 75, stdout: '' });
      expect(run.stderr).toMatch(
        /^cells: the quota recount of project demo needs every cell database, and 1 did not answer: cell "cell2" \([0-9a-f-]{36}\): Can't reach database server at 127.0.0.1:1; nothing was written\n$/,
      );
      expect((await usageRows(api, 'demo'))['carol/instances']).toEqual([4, 0]);
    } finally {
      expect((await cells(env, 'delete-cell', '--cell', 'cell2')).code).toBe(0);
    }
  });

  it('refuses a bad or missing --project with exit 64, naming the option and the value', async () => {
    expect(await cells(env, 'quota-recount', '--project', '')).toMatchObject({
      code: 64,
      stdout: '',
      stderr: 'cells: --project: expected an id of 1 to 255 printable characters without surrounding spaces, got ""\n',
    });
    expect(await cells(env, 'quota-recount', '--project', 'demo', '--user', ' x')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining('cells: --user: expected an id'),
    });
    expect(await cells(env, 'quota-recount')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining("required option '--project <id>'"),
    });
  });
});
