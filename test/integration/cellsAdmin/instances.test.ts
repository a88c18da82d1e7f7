import {
  createCell,
  mapInstances,
  registerComputeNode,
  simpleCellSetup,
  verificationExitCode,
  verifyInstance,
  type CellMapping,
} from '../../../cellsAdmin';
import { cellInput, createAdminFixture, rejection, type AdminFixture } from './fixture';

const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('mapping and verifying instances', () => {
  let f: AdminFixture;
  let cell1: CellMapping;
  beforeAll(async () => {
    f = await createAdminFixture('instances', 2);
    cell1 = await createCell(f.api, cellInput(1, f.cellDbs[0].url));
    await createCell(f.api, cellInput(2, f.cellDbs[1].url));
    await f.cellClient(0).instance.createMany({
      data: Array.from({ length: 25 }, (_, i) => ({
        uuid: uuidOf(i + 1),
        projectId: i % 2 ? 'demo' : 'alt_demo',
        userId: 'u1',
        vmState: i === 24 ? 'deleted' : 'active',
        deleted: i === 24 ? 99 : 0,
      })),
    });
  });
  afterAll(() => f.close());

  it('creates the missing mappings in batches, and nothing on a second run', async () => {
    await f.api.instanceMapping.create({ data: { instanceUuid: uuidOf(3), cellId: null, projectId: 'alt_demo' } });
    const first = await mapInstances(f.api, { ...f.access, cell: 'cell1', batchSize: 10 });
    expect(first).toEqual({ created: 24, adopted: 1, elsewhere: 0, batches: 3 });
    expect(await mapInstances(f.api, { ...f.access, cell: cell1.uuid, batchSize: 10 })).toEqual({
      created: 0,
      adopted: 0,
      elsewhere: 0,
      batches: 3,
    });
    const mappings = await f.api.instanceMapping.findMany({ orderBy: { instanceUuid: 'asc' } });
    expect(mappings).toHaveLength(25);
    expect(mappings.every((m) => m.cellId === cell1.id)).toBe(true);
    expect(mappings[1]).toMatchObject({
      instanceUuid: uuidOf(2),
      projectId: 'demo',
      userId: 'u1',
      queuedForDelete: false,
    });
    expect(mappings[24]).toMatchObject({ instanceUuid: uuidOf(25), queuedForDelete: true });
    expect(f.access.released).toBe(f.access.opened);
  });

  it('refuses a bad batch size and an unknown cell', async () => {
    expect(await rejection(mapInstances(f.api, { ...f.access, cell: 'cell1', batchSize: 0 }))).toMatchObject({
      code: 'BAD_INPUT',
      field: 'batchSize',
    });
    expect(await rejection(mapInstances(f.api, { ...f.access, cell: 'nowhere' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('tells mapped, unmapped, unscheduled and deleted instances apart, with the CLI exit codes', async () => {
    await f.api.instanceMapping.create({ data: { instanceUuid: uuidOf(100), cellId: null, projectId: 'demo' } });
    const cases: Array<[string, string, number]> = [
      [uuidOf(1), 'mapped', 0],
      [uuidOf(999), 'no-mapping', 1],
      [uuidOf(100), 'not-scheduled', 2],
      [uuidOf(25), 'deleted', 3],
    ];
    for (const [uuid, status, code] of cases) {
      const verification = await verifyInstance(f.api, uuid);
      expect(verification.status).toBe(status);
      expect(verificationExitCode(verification)).toBe(code);
    }
    expect(await verifyInstance(f.api, uuidOf(1))).toMatchObject({ cell: { uuid: cell1.uuid } });
  });

  it('reads the cell database, when it may, to see an instance deleted there', async () => {
    await f.cellClient(0).instance.update({ where: { uuid: uuidOf(2) }, data: { deleted: 2, vmState: 'deleted' } });
    expect((await verifyInstance(f.api, uuidOf(2))).status).toBe('mapped');
    expect((await verifyInstance(f.api, uuidOf(2), f.access)).status).toBe('deleted');
    expect((await verifyInstance(f.api, uuidOf(4), f.access)).status).toBe('mapped');
  });

  it('refuses a uuid that is not one', async () => {
    expect(await rejection(verifyInstance(f.api, 'abc'))).toMatchObject({
      code: 'BAD_INPUT',
      field: 'uuid',
      message: expect.stringContaining('"abc"'),
    });
  });
});

describe('simple cell setup', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await createAdminFixture('simple', 2);
  });
  afterAll(() => f.close());

  it('maps cell0 and the first cell with its hosts and instances, and changes nothing when run again', async () => {
    await registerComputeNode(f.cellClient(1), { host: 'h1', vcpus: 1, memoryMb: 512, localGb: 10 });
    await f.cellClient(1).instance.create({ data: { uuid: uuidOf(7), projectId: 'demo', vmState: 'active' } });
    const input = {
      ...f.access,
      cell0: { databaseConnection: f.cellDbs[0].url, graphqlUrl: 'http://127.0.0.1:4910/graphql' },
      cell: {
        databaseConnection: f.cellDbs[1].url,
        transportUrl: 'amqp://guest:guest@127.0.0.1:5672/x',
        graphqlUrl: 'http://127.0.0.1:4911/graphql',
      },
    };
    const first = await simpleCellSetup(f.api, input);
    expect(first.cell).toMatchObject({ name: 'cell1' });
    expect(first.hosts.map((h) => h.host)).toEqual(['h1']);
    expect(first.instances).toMatchObject({ created: 1 });
    const second = await simpleCellSetup(f.api, input);
    expect(second).toEqual({ cell0: first.cell0, cell: null, hosts: [], instances: null });
    expect(await f.api.cellMapping.count()).toBe(2);
  });
});
