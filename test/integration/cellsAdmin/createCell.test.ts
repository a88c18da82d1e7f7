import { CellsAdminError, createCell, listCells, NO_TRANSPORT } from '../../../cellsAdmin';
import { withDatabase } from '../../../prisma/databaseUrl';
import { cellInput, createAdminFixture, rejection, type AdminFixture } from './fixture';

describe('creating a cell mapping', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await createAdminFixture('create', 0);
  });
  afterAll(() => f.close());
  beforeEach(() => f.api.cellMapping.deleteMany());

  const db = (name: string) => `postgresql://postgres:secret@127.0.0.1:5432/${name}`;

  it('stores the name, the three URLs and the disabled flag, with a fresh uuid', async () => {
    const cell = await createCell(f.api, { ...cellInput(1, db('c1')), disabled: true });
    expect(cell).toMatchObject({ ...cellInput(1, db('c1')), disabled: true });
    expect(cell.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await listCells(f.api)).toEqual([cell]);
  });

  it('refuses a name another cell has, with CONFLICT naming the field', async () => {
    await createCell(f.api, cellInput(1, db('c1')));
    const err = await rejection(createCell(f.api, { ...cellInput(2, db('c2')), name: 'cell1' }));
    expect(err).toBeInstanceOf(CellsAdminError);
    expect(err).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(await f.api.cellMapping.count()).toBe(1);
  });

  it('refuses a database another cell uses, even written with another password or port spelled out', async () => {
    await createCell(f.api, cellInput(1, db('c1')));
    const err = await rejection(
      createCell(f.api, { ...cellInput(2, 'postgres://postgres:other@127.0.0.1/c1?sslmode=disable') }),
    );
    expect(err).toMatchObject({ code: 'CONFLICT', field: 'databaseConnection' });
    expect(err.message).toContain('cell1');
    expect(err.message).not.toContain('other');
    expect(await f.api.cellMapping.count()).toBe(1);
  });

  it('refuses a transport another cell uses', async () => {
    await createCell(f.api, cellInput(1, db('c1')));
    const err = await rejection(
      createCell(f.api, { ...cellInput(2, db('c2')), transportUrl: 'amqp://admin:x@127.0.0.1/test_cell1' }),
    );
    expect(err).toMatchObject({ code: 'CONFLICT', field: 'transportUrl' });
    expect(await f.api.cellMapping.count()).toBe(1);
  });

  it('lets several cells without a queue share the none:/// transport', async () => {
    await createCell(f.api, { ...cellInput(1, db('c1')), transportUrl: NO_TRANSPORT });
    await createCell(f.api, { ...cellInput(2, db('c2')), transportUrl: NO_TRANSPORT });
    expect(await f.api.cellMapping.count()).toBe(2);
  });

  it.each([
    ['databaseConnection', 'mysql://root@localhost/nova'],
    ['databaseConnection', 'postgresql://127.0.0.1:5432/'],
    ['databaseConnection', 'not a url'],
    ['transportUrl', 'rabbit://guest@localhost/'],
    ['transportUrl', ''],
    ['graphqlUrl', 'ftp://127.0.0.1/graphql'],
    ['name', ''],
    ['name', ' padded '],
    ['name', '11111111-2222-3333-4444-555555555555'],
    ['uuid', 'not-a-uuid'],
  ])('refuses %s %j with BAD_INPUT naming the field and the value, writing nothing', async (field, value) => {
    const err = await rejection(createCell(f.api, { ...cellInput(1, db('c1')), [field]: value }));
    expect(err).toMatchObject({ code: 'BAD_INPUT', field });
    expect(err.message).toContain(`${field}: expected`);
    expect(err.message).toContain(JSON.stringify(value));
    expect(await f.api.cellMapping.count()).toBe(0);
  });

  it('refuses a uuid another cell has', async () => {
    const first = await createCell(f.api, cellInput(1, db('c1')));
    const err = await rejection(createCell(f.api, { ...cellInput(2, db('c2')), uuid: first.uuid }));
    expect(err).toMatchObject({ code: 'CONFLICT', field: 'uuid' });
  });

  it('lets exactly one of several concurrent creations of the same database win', async () => {
    const attempts = await Promise.allSettled(
      [1, 2, 3, 4].map((n) => createCell(f.api, { ...cellInput(n, withDatabase(db('x'), 'same')) })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(
      attempts.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason.code),
    ).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect(await f.api.cellMapping.count()).toBe(1);
  });
});
