import { createCell, discoverHosts, listHosts, registerComputeNode } from '../../../cellsAdmin';
import { cellInput, createAdminFixture, rejection, type AdminFixture } from './fixture';

const capacity = { vcpus: 16, memoryMb: 65536, localGb: 1000 };

describe('registering compute nodes and discovering hosts', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await createAdminFixture('hosts', 2);
    await createCell(f.api, cellInput(1, f.cellDbs[0].url));
    await createCell(f.api, cellInput(2, f.cellDbs[1].url));
  });
  afterAll(() => f.close());

  it('registers a host once however often it starts, keeping its capacity unless asked to update it', async () => {
    const cell = f.cellClient(0);
    const first = await registerComputeNode(cell, { host: 'compute1', ...capacity });
    const again = await registerComputeNode(cell, { host: 'compute1', ...capacity });
    expect(first).toMatchObject({ created: true, mapped: false });
    expect(again).toEqual({ ...first, created: false });
    expect(await cell.computeNode.findFirstOrThrow({ where: { id: first.computeNodeId } })).toMatchObject({
      updatedAt: null,
      hypervisorHostname: 'compute1',
    });
    await registerComputeNode(cell, { host: 'compute1', ...capacity, vcpus: 32 });
    expect((await cell.computeNode.findFirstOrThrow({ where: { id: first.computeNodeId } })).vcpus).toBe(16);
    await registerComputeNode(cell, { host: 'compute1', ...capacity, vcpus: 32 }, { updateCapacity: true });
    expect(await cell.computeNode.findFirstOrThrow({ where: { id: first.computeNodeId } })).toMatchObject({
      vcpus: 32,
      updatedAt: expect.any(Date),
    });
    expect(await cell.service.findMany({ where: { host: 'compute1' } })).toEqual([
      expect.objectContaining({ binary: 'nova-compute', topic: 'compute', deleted: 0 }),
    ]);
  });

  it('registers the same host from several agents at once into one row', async () => {
    const cell = f.cellClient(0);
    await Promise.all([1, 2, 3].map(() => registerComputeNode(cell, { host: 'compute-race', ...capacity })));
    expect(await cell.computeNode.count({ where: { host: 'compute-race' } })).toBe(1);
    expect(await cell.service.count({ where: { host: 'compute-race' } })).toBe(1);
  });

  it('refuses a bad host name or capacity', async () => {
    expect(await rejection(registerComputeNode(f.cellClient(0), { host: 'bad host', ...capacity }))).toMatchObject({
      code: 'BAD_INPUT',
      field: 'host',
    });
    expect(await rejection(registerComputeNode(f.cellClient(0), { host: 'ok', ...capacity, vcpus: -1 }))).toMatchObject(
      { code: 'BAD_INPUT', field: 'vcpus' },
    );
  });

  it('maps unmapped compute nodes of every cell once, and finds nothing new the second time', async () => {
    await registerComputeNode(f.cellClient(1), { host: 'compute3', ...capacity });
    const first = await discoverHosts(f.api, f.access);
    expect(first.map((h) => [h.cellName, h.host])).toEqual([
      ['cell1', 'compute-race'],
      ['cell1', 'compute1'],
      ['cell2', 'compute3'],
    ]);
    expect(await discoverHosts(f.api, f.access)).toEqual([]);
    expect((await listHosts(f.api)).map((h) => [h.cell.name, h.host])).toEqual([
      ['cell1', 'compute-race'],
      ['cell1', 'compute1'],
      ['cell2', 'compute3'],
    ]);
    expect((await listHosts(f.api, { cell: 'cell2' })).map((h) => h.host)).toEqual(['compute3']);
    expect(await f.cellClient(0).computeNode.count({ where: { mapped: 0 } })).toBe(0);
    expect(f.access.released).toBe(f.access.opened);
  });

  it('discovers only the cell asked for', async () => {
    await registerComputeNode(f.cellClient(0), { host: 'compute2', ...capacity });
    await registerComputeNode(f.cellClient(1), { host: 'compute4', ...capacity });
    expect((await discoverHosts(f.api, { ...f.access, cell: 'cell2' })).map((h) => h.host)).toEqual(['compute4']);
    expect((await discoverHosts(f.api, { ...f.access, cell: 'cell1' })).map((h) => h.host)).toEqual(['compute2']);
  });

  it('heals a node left unmarked after its host mapping was written', async () => {
    await f.cellClient(0).computeNode.updateMany({ where: { host: 'compute1' }, data: { mapped: 0 } });
    expect(await discoverHosts(f.api, f.access)).toEqual([]);
    expect(await f.cellClient(0).computeNode.count({ where: { mapped: 0 } })).toBe(0);
  });

  it('refuses a host that another cell already has, mapping nothing of that cell', async () => {
    await registerComputeNode(f.cellClient(1), { host: 'compute1', ...capacity });
    await registerComputeNode(f.cellClient(1), { host: 'compute5', ...capacity });
    const err = await rejection(discoverHosts(f.api, { ...f.access, cell: 'cell2' }));
    expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"compute1"') });
    expect(await f.api.hostMapping.count({ where: { host: 'compute5' } })).toBe(0);
  });

  it('refuses an unknown cell', async () => {
    expect(await rejection(listHosts(f.api, { cell: 'cell9' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejection(discoverHosts(f.api, { ...f.access, cell: 'cell9' }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
