import {
  CELL0_UUID,
  createCell,
  deleteCell,
  findCell,
  getCell,
  mapCell0,
  setCellDisabled,
  updateCell,
} from '../../../cellsAdmin';
import { cellInput, createAdminFixture, rejection, type AdminFixture } from './fixture';

const db = (name: string) => `postgresql://postgres@127.0.0.1:5432/${name}`;
const cell0Input = { databaseConnection: db('c0'), graphqlUrl: 'http://127.0.0.1:4910/graphql' };

describe('changing a cell mapping', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await createAdminFixture('change', 0);
  });
  afterAll(() => f.close());
  beforeEach(async () => {
    await f.api.hostMapping.deleteMany();
    await f.api.instanceMapping.deleteMany();
    await f.api.cellMapping.deleteMany();
  });

  describe('finding a cell', () => {
    it('finds a cell by uuid or by name, and returns null for an unknown one', async () => {
      const cell = await createCell(f.api, cellInput(1, db('c1')));
      expect(await findCell(f.api, cell.uuid)).toEqual(cell);
      expect(await findCell(f.api, cell.uuid.toUpperCase())).toEqual(cell);
      expect(await findCell(f.api, 'cell1')).toEqual(cell);
      expect(await findCell(f.api, 'nope')).toBeNull();
      expect(await rejection(getCell(f.api, 'nope'))).toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining('"nope"'),
      });
    });
  });

  describe('updating', () => {
    it('changes only the fields given', async () => {
      const cell = await createCell(f.api, cellInput(1, db('c1')));
      const updated = await updateCell(f.api, 'cell1', { name: 'renamed', graphqlUrl: 'http://10.0.0.1:4011/graphql' });
      expect(updated).toMatchObject({
        uuid: cell.uuid,
        name: 'renamed',
        graphqlUrl: 'http://10.0.0.1:4011/graphql',
        databaseConnection: db('c1'),
      });
      expect(updated.updatedAt).toBeInstanceOf(Date);
    });

    it('refuses to take another cell database, leaving both cells as they were', async () => {
      const one = await createCell(f.api, cellInput(1, db('c1')));
      const two = await createCell(f.api, cellInput(2, db('c2')));
      const err = await rejection(updateCell(f.api, two.uuid, { name: 'fine', databaseConnection: db('c1') }));
      expect(err).toMatchObject({ code: 'CONFLICT', field: 'databaseConnection' });
      expect(await findCell(f.api, two.uuid)).toEqual(two);
      expect(await findCell(f.api, one.uuid)).toEqual(one);
    });

    it('accepts its own URLs again and refuses an update that names nothing', async () => {
      await createCell(f.api, cellInput(1, db('c1')));
      await expect(updateCell(f.api, 'cell1', { databaseConnection: db('c1') })).resolves.toMatchObject({
        name: 'cell1',
      });
      expect(await rejection(updateCell(f.api, 'cell1', {}))).toMatchObject({ code: 'BAD_INPUT', field: 'update' });
    });

    it('refuses a bad URL and an unknown cell', async () => {
      await createCell(f.api, cellInput(1, db('c1')));
      expect(await rejection(updateCell(f.api, 'cell1', { transportUrl: 'http://x' }))).toMatchObject({
        code: 'BAD_INPUT',
        field: 'transportUrl',
      });
      expect(await rejection(updateCell(f.api, 'cell9', { name: 'x' }))).toMatchObject({
        code: 'NOT_FOUND',
        field: 'cell',
      });
    });
  });

  describe('enabling and disabling', () => {
    it('disables and enables a cell', async () => {
      await createCell(f.api, cellInput(1, db('c1')));
      expect((await setCellDisabled(f.api, 'cell1', true)).disabled).toBe(true);
      expect((await setCellDisabled(f.api, 'cell1', false)).disabled).toBe(false);
    });

    it('refuses to disable cell0', async () => {
      await mapCell0(f.api, cell0Input);
      const err = await rejection(setCellDisabled(f.api, CELL0_UUID, true));
      expect(err).toMatchObject({ code: 'REFUSED', field: 'cell' });
      expect((await getCell(f.api, 'cell0')).disabled).toBe(false);
    });
  });

  describe('mapping cell0', () => {
    it('creates cell0 with its well-known uuid and no queue, and finds it the second time', async () => {
      const first = await mapCell0(f.api, cell0Input);
      const second = await mapCell0(f.api, { ...cell0Input, databaseConnection: db('other') });
      expect(first).toMatchObject({
        created: true,
        cell: { uuid: CELL0_UUID, name: 'cell0', transportUrl: 'none:///' },
      });
      expect(second).toEqual({ created: false, cell: first.cell });
    });
  });

  describe('deleting', () => {
    it('deletes an empty cell', async () => {
      const cell = await createCell(f.api, cellInput(1, db('c1')));
      expect(await deleteCell(f.api, 'cell1')).toMatchObject({ cell: { uuid: cell.uuid }, hostsUnmapped: 0 });
      expect(await findCell(f.api, cell.uuid)).toBeNull();
    });

    it('refuses while a host is mapped, and removes it with force', async () => {
      const cell = await createCell(f.api, cellInput(1, db('c1')));
      await f.api.hostMapping.create({ data: { host: 'compute1', cellId: cell.id } });
      const err = await rejection(deleteCell(f.api, 'cell1'));
      expect(err).toMatchObject({ code: 'REFUSED', message: expect.stringContaining('1 host(s)') });
      expect(await findCell(f.api, cell.uuid)).not.toBeNull();
      expect(await deleteCell(f.api, 'cell1', { force: true })).toMatchObject({ hostsUnmapped: 1 });
      expect(await f.api.hostMapping.count()).toBe(0);
    });

    it('refuses while live instances are mapped, ignores ones queued for delete, and un-maps them with force', async () => {
      const cell = await createCell(f.api, cellInput(1, db('c1')));
      const mapping = (n: number, queuedForDelete: boolean) => ({
        instanceUuid: `00000000-0000-4000-8000-00000000000${n}`,
        cellId: cell.id,
        projectId: 'demo',
        queuedForDelete,
      });
      await f.api.instanceMapping.create({ data: mapping(1, true) });
      await expect(deleteCell(f.api, 'cell1')).resolves.toMatchObject({ instancesUnmapped: 1 });
      const again = await createCell(f.api, cellInput(1, db('c1')));
      await f.api.instanceMapping.create({ data: { ...mapping(2, false), cellId: again.id } });
      expect(await rejection(deleteCell(f.api, 'cell1'))).toMatchObject({
        code: 'REFUSED',
        message: expect.stringContaining('1 instance(s)'),
      });
      expect(await f.api.instanceMapping.count({ where: { cellId: again.id } })).toBe(1);
      await expect(deleteCell(f.api, 'cell1', { force: true })).resolves.toMatchObject({ instancesUnmapped: 1 });
      expect(await f.api.instanceMapping.findMany({ select: { cellId: true } })).toEqual([
        { cellId: null },
        { cellId: null },
      ]);
    });

    it('refuses to delete cell0 unless forced, and an unknown cell', async () => {
      await mapCell0(f.api, cell0Input);
      expect(await rejection(deleteCell(f.api, 'cell0'))).toMatchObject({ code: 'REFUSED' });
      expect(await rejection(deleteCell(f.api, 'cell7'))).toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});
