import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { createApiClient } from '../../../prisma/clients';
import { withDatabase } from '../../../prisma/databaseUrl';
import { cells } from './runCli';

describe('the cells command managing cell mappings', () => {
  let apiDb: TestDatabase;
  let env: Record<string, string>;
  const db = (name: string, password = 'pw') => `postgresql://postgres:${password}@127.0.0.1:5432/${name}`;
  const create = (n: number, ...extra: string[]) =>
    cells(
      env,
      'create-cell',
      '--name',
      `cell${n}`,
      '--database',
      db(`c${n}`),
      '--transport',
      `amqp://guest:guest@127.0.0.1/v${n}`,
      '--graphql-url',
      `http://127.0.0.1:${4910 + n}/graphql`,
      ...extra,
    );

  beforeAll(async () => {
    apiDb = await createTestDatabase('api', 'cli_cells');
    env = { CELLS_API_DATABASE_URL: apiDb.url, CELLS_PG_URL: withDatabase(apiDb.url, 'postgres') };
  });
  afterAll(() => apiDb.drop());

  it('maps cell0 once and says so the second time', async () => {
    const first = await cells(env, 'map-cell0', '--database', db('c0'));
    expect(first).toMatchObject({ code: 0, stdout: 'Cell0 mapped with uuid 00000000-0000-0000-0000-000000000000\n' });
    expect(await cells(env, 'map-cell0')).toMatchObject({ code: 0, stdout: expect.stringContaining('already mapped') });
  });

  it('creates a cell, disabled if asked', async () => {
    const run = await create(1, '--disabled');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created cell cell1 with uuid [0-9a-f-]{36} \(disabled\)\n$/);
  });

  it('lists cells with passwords masked, and shows them with --verbose', async () => {
    const masked = await cells(env, 'list-cells');
    expect(masked.code).toBe(0);
    expect(masked.stdout).toContain('postgresql://postgres:***@127.0.0.1:5432/c1');
    expect(masked.stdout).not.toContain(':pw@');
    expect(masked.stdout.split('\n')[1]).toMatch(/\| Name +\| UUID +\| Transport URL/);
    expect((await cells(env, 'list-cells', '--verbose')).stdout).toContain(db('c1'));
    const json = JSON.parse((await cells(env, 'list-cells', '--json')).stdout);
    expect(json.map((c: { name: string; disabled: boolean }) => [c.name, c.disabled])).toEqual([
      ['cell0', false],
      ['cell1', true],
    ]);
  });

  it('refuses a duplicate database or transport URL, naming the option, and writes nothing', async () => {
    const sameDb = await cells(
      env,
      'create-cell',
      '--name',
      'x',
      '--database',
      db('c1', 'other'),
      '--transport',
      'amqp://h/x',
      '--graphql-url',
      'http://h/g',
    );
    expect(sameDb).toMatchObject({ code: 4, stdout: '' });
    expect(sameDb.stderr).toMatch(
      /^cells: --database: "postgresql:\/\/postgres:\*\*\*@127.0.0.1:5432\/c1" is the database of cell "cell1"/,
    );
    const sameMq = await cells(
      env,
      'create-cell',
      '--name',
      'x',
      '--database',
      db('cx'),
      '--transport',
      'amqp://u@127.0.0.1:5672/v1',
      '--graphql-url',
      'http://h/g',
    );
    expect(sameMq).toMatchObject({ code: 4, stderr: expect.stringContaining('cells: --transport: ') });
    expect(JSON.parse((await cells(env, 'list-cells', '--json')).stdout)).toHaveLength(2);
  });

  it('refuses bad URLs with exit 64 and a message naming the option and the value', async () => {
    const run = await cells(
      env,
      'create-cell',
      '--name',
      'x',
      '--database',
      'mysql://db/x',
      '--transport',
      'amqp://h/x',
      '--graphql-url',
      'http://h/g',
    );
    expect(run).toMatchObject({
      code: 64,
      stderr: 'cells: --database: expected a postgresql://user@host[:port]/database URL, got "mysql://db/x"\n',
    });
    expect((await cells(env, 'update-cell', '--cell', 'cell1', '--graphql-url', 'nope')).stderr).toContain(
      '--graphql-url: expected',
    );
  });

  it('refuses a missing option or an unknown command with exit 64', async () => {
    expect(await cells(env, 'create-cell', '--name', 'x')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining("required option '--database <url>'"),
    });
    expect(await cells(env, 'make-coffee')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining("unknown command 'make-coffee'"),
    });
  });

  it('updates a cell', async () => {
    const run = await cells(env, 'update-cell', '--cell', 'cell1', '--name', 'cell-one');
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Updated cell cell-one/) });
    await cells(env, 'update-cell', '--cell', 'cell-one', '--name', 'cell1');
  });

  it('enables and disables a cell, and refuses to disable cell0', async () => {
    expect(await cells(env, 'enable-cell', '--cell', 'cell1')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('is enabled'),
    });
    expect(await cells(env, 'disable-cell', '--cell', 'cell1')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('is disabled'),
    });
    expect(await cells(env, 'disable-cell', '--cell', 'cell0')).toMatchObject({
      code: 4,
      stderr: expect.stringContaining('cell0 (00000000-0000-0000-0000-000000000000) cannot be disabled'),
    });
  });

  it('refuses an unknown cell by name', async () => {
    expect(await cells(env, 'enable-cell', '--cell', 'cell9')).toMatchObject({
      code: 4,
      stderr: 'cells: --cell: no cell with uuid or name "cell9"\n',
    });
  });

  it('deletes a cell with hosts only with --force', async () => {
    await create(2);
    const api = createApiClient(apiDb.url);
    try {
      const cell = await api.cellMapping.findFirstOrThrow({ where: { name: 'cell2' } });
      await api.hostMapping.create({ data: { host: 'compute9', cellId: cell.id } });
    } finally {
      await api.$disconnect();
    }
    expect(await cells(env, 'delete-cell', '--cell', 'cell2')).toMatchObject({
      code: 4,
      stderr: expect.stringContaining('1 host(s) mapped; use force'),
    });
    expect(await cells(env, 'delete-cell', '--cell', 'cell2', '--force')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('unmapped 1 host(s)'),
    });
  });

  it('says clearly when the API database cannot be reached', async () => {
    const run = await cells({ CELLS_API_DATABASE_URL: withDatabase(apiDb.url, 'cells_t_missing_db') }, 'list-cells');
    expect(run).toMatchObject({ code: 69, stderr: expect.stringContaining('cells_t_missing_db cannot be reached') });
  });

  it('refuses a bad environment variable naming it', async () => {
    const run = await cells({ CELLS_API_DATABASE_URL: 'nope' }, 'list-cells');
    expect(run).toMatchObject({ code: 78, stderr: expect.stringContaining('CELLS_API_DATABASE_URL="nope"') });
  });
});
