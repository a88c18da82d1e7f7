import { randomUUID } from 'node:crypto';
import { createCellClient } from '../../../prisma/clients';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';
import { SERVICE_IDENTITY } from '../../../domain/identity';

const CELL_FIELDS = 'uuid name disabled isCell0 graphqlUrl transportUrl databaseConnection hostCount';

describe('the cells index over GraphQL', () => {
  let h: GlobalHarness;
  let cellDb: TestDatabase;
  const cell1 = randomUUID();

  beforeAll(async () => {
    h = await startGlobalHarness('cells');
    cellDb = await createTestDatabase('cell', 'cells_cell1');
    const c0 = await h.prisma.cellMapping.create({
      data: {
        uuid: '00000000-0000-0000-0000-000000000000',
        name: 'cell0',
        transportUrl: 'none:///',
        databaseConnection: 'postgresql://postgres:pw0@127.0.0.1/cell0',
      },
    });
    const c1 = await h.prisma.cellMapping.create({
      data: {
        uuid: cell1,
        name: 'cell1',
        transportUrl: 'amqp://guest:s3cret@127.0.0.1:5672/c1',
        databaseConnection: cellDb.url.replace('postgres@', 'postgres:dbpass@'),
        graphqlUrl: 'http://127.0.0.1:4911/graphql',
      },
    });
    await h.prisma.hostMapping.createMany({
      data: [
        { host: 'compute1', cellId: c1.id },
        { host: 'compute2', cellId: c1.id },
      ],
    });
    await h.prisma.instanceMapping.createMany({
      data: [
        { instanceUuid: randomUUID(), cellId: c1.id, projectId: 'p1' },
        { instanceUuid: randomUUID(), cellId: c0.id, projectId: 'p1', queuedForDelete: true },
        { instanceUuid: randomUUID(), cellId: c0.id, projectId: 'p2' },
        { instanceUuid: randomUUID(), cellId: null, projectId: 'p1' },
      ],
    });
  });
  afterAll(async () => {
    await h.close();
    await cellDb.drop();
  });

  describe('reading', () => {
    it('lists every cell with host counts and masked URLs for admins', async () => {
      const answer = await h.gql(ADMIN, `{ cells { ${CELL_FIELDS} } }`);
      expect(answer.data!.cells).toEqual([
        {
          uuid: '00000000-0000-0000-0000-000000000000',
          name: 'cell0',
          disabled: false,
          isCell0: true,
          graphqlUrl: null,
          transportUrl: 'none:///',
          databaseConnection: 'postgresql://postgres:***@127.0.0.1/cell0',
          hostCount: 0,
        },
        {
          uuid: cell1,
          name: 'cell1',
          disabled: false,
          isCell0: false,
          graphqlUrl: 'http://127.0.0.1:4911/graphql',
          transportUrl: 'amqp://guest:***@127.0.0.1:5672/c1',
          databaseConnection: expect.stringContaining('postgres:***@'),
          hostCount: 2,
        },
      ]);
    });

    it('hides connection URLs from non-admins but shows the rest', async () => {
      const answer = await h.gql(user('p1'), `{ cells { name graphqlUrl transportUrl databaseConnection hostCount } }`);
      expect(answer.data!.cells[1]).toEqual({
        name: 'cell1',
        graphqlUrl: null,
        transportUrl: null,
        databaseConnection: null,
        hostCount: 2,
      });
    });

    it('gives the service identity the graphql URL the router needs', async () => {
      const answer = await h.gql(SERVICE_IDENTITY, `{ cell(name: "cell1") { graphqlUrl } }`);
      expect(answer.data!.cell.graphqlUrl).toBe('http://127.0.0.1:4911/graphql');
    });

    it('finds one cell by uuid or by name, and null for an unknown one', async () => {
      const answer = await h.gql(
        ADMIN,
        `query ($u: ID) { a: cell(uuid: $u) { name } b: cell(name: "cell0") { isCell0 } c: cell(name: "nope") { name } }`,
        { u: cell1 },
      );
      expect(answer.data).toEqual({ a: { name: 'cell1' }, b: { isCell0: true }, c: null });
    });

    it('refuses cell() with both or neither of uuid and name', async () => {
      const answer = await h.gql(ADMIN, `{ a: cell { name } }`);
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors![0].message).toMatch(/exactly one of uuid or name/);
    });

    it('lists hosts for admins, per cell or all, each with its cell', async () => {
      const all = await h.gql(ADMIN, `{ hosts { host cell { name } } }`);
      expect(all.data!.hosts).toEqual([
        { host: 'compute1', cell: { name: 'cell1' } },
        { host: 'compute2', cell: { name: 'cell1' } },
      ]);
      const none = await h.gql(
        ADMIN,
        `{ hosts(cellUuid: "00000000-0000-0000-0000-000000000000") { host } cell(name: "cell1") { hosts { host } } }`,
      );
      expect(none.data).toEqual({ hosts: [], cell: { hosts: [{ host: 'compute1' }, { host: 'compute2' }] } });
    });

    it('refuses hosts to non-admins', async () => {
      expect(codes(await h.gql(user('p1'), `{ hosts { host } }`))).toEqual(['FORBIDDEN']);
      expect(codes(await h.gql(user('p1'), `{ cells { hosts { host } } }`))).toContain('FORBIDDEN');
    });

    it('names the cells holding live instances of a project', async () => {
      const answer = await h.gql(
        ADMIN,
        `{ p1: projectCells(projectId: "p1") { name } p2: projectCells(projectId: "p2") { name } }`,
      );
      expect(answer.data).toEqual({ p1: [{ name: 'cell1' }], p2: [{ name: 'cell0' }] });
    });

    it('refuses projectCells of another project to a non-admin', async () => {
      expect(codes(await h.gql(user('p1'), `{ projectCells(projectId: "p2") { name } }`))).toEqual(['FORBIDDEN']);
      expect((await h.gql(user('p1'), `{ projectCells(projectId: "p1") { name } }`)).data!.projectCells).toEqual([
        { name: 'cell1' },
      ]);
    });
  });

  describe('admin mutations', () => {
    const input = (n: number) => ({
      name: `new${n}`,
      databaseConnection: `postgresql://postgres:pw@127.0.0.1:5432/new${n}`,
      transportUrl: `amqp://guest:pw@127.0.0.1:5672/new${n}`,
      graphqlUrl: `http://127.0.0.1:49${n}/graphql`,
    });
    const CREATE = `mutation ($input: CreateCellInput!) { createCell(input: $input) { uuid name disabled transportUrl } }`;

    it('creates a cell, disabled if asked, with the password masked in the answer', async () => {
      const answer = await h.gql(ADMIN, CREATE, { input: { ...input(1), disabled: true } });
      expect(answer.data!.createCell).toMatchObject({
        name: 'new1',
        disabled: true,
        transportUrl: 'amqp://guest:***@127.0.0.1:5672/new1',
      });
      expect(await h.prisma.cellMapping.count({ where: { name: 'new1' } })).toBe(1);
    });

    it('refuses a duplicate name with CONFLICT and a bad URL with BAD_USER_INPUT naming the field, writing nothing', async () => {
      const before = await h.prisma.cellMapping.count();
      const dup = await h.gql(ADMIN, CREATE, { input: { ...input(2), name: 'cell1' } });
      expect(codes(dup)).toEqual(['CONFLICT']);
      const bad = await h.gql(ADMIN, CREATE, { input: { ...input(3), transportUrl: 'http://nope' } });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0].extensions!.field).toBe('transportUrl');
      expect(bad.errors![0].message).toContain('"http://nope"');
      expect(await h.prisma.cellMapping.count()).toBe(before);
    });

    it('refuses every cell mutation to non-admins and changes nothing', async () => {
      const p = user('p1');
      const answers = await Promise.all([
        h.gql(p, CREATE, { input: input(4) }),
        h.gql(p, `mutation { updateCell(cell: "cell1", input: { name: "x" }) { name } }`),
        h.gql(p, `mutation { enableCell(cell: "new1") { name } }`),
        h.gql(p, `mutation { disableCell(cell: "cell1") { name } }`),
        h.gql(p, `mutation { deleteCell(cell: "cell1") { uuid } }`),
        h.gql(p, `mutation { discoverHosts { host } }`),
      ]);
      expect(answers.map((a) => codes(a))).toEqual(Array(6).fill(['FORBIDDEN']));
      expect(await h.prisma.cellMapping.findFirst({ where: { uuid: cell1 } })).toMatchObject({
        name: 'cell1',
        disabled: false,
      });
    });

    it('updates, enables and disables a cell by name or uuid', async () => {
      const updated = await h.gql(ADMIN, `mutation { updateCell(cell: "new1", input: { name: "renamed1" }) { name } }`);
      expect(updated.data!.updateCell).toEqual({ name: 'renamed1' });
      const enabled = await h.gql(ADMIN, `mutation { enableCell(cell: "renamed1") { disabled } }`);
      expect(enabled.data!.enableCell).toEqual({ disabled: false });
      const disabled = await h.gql(ADMIN, `mutation ($c: String!) { disableCell(cell: $c) { disabled } }`, {
        c: cell1,
      });
      expect(disabled.data!.disableCell).toEqual({ disabled: true });
      await h.gql(ADMIN, `mutation ($c: String!) { enableCell(cell: $c) { disabled } }`, { c: cell1 });
    });

    it('refuses to disable cell0 and to update an unknown cell', async () => {
      expect(codes(await h.gql(ADMIN, `mutation { disableCell(cell: "cell0") { name } }`))).toEqual(['CONFLICT']);
      expect(
        codes(await h.gql(ADMIN, `mutation { updateCell(cell: "ghost", input: { name: "x" }) { name } }`)),
      ).toEqual(['NOT_FOUND']);
    });

    it('refuses to delete a cell with hosts unless forced', async () => {
      const refused = await h.gql(ADMIN, `mutation { deleteCell(cell: "cell1") { uuid } }`);
      expect(codes(refused)).toEqual(['CONFLICT']);
      expect(refused.errors![0].message).toMatch(/host/);
      const empty = await h.gql(
        ADMIN,
        `mutation { deleteCell(cell: "renamed1") { name hostsUnmapped instancesUnmapped } }`,
      );
      expect(empty.data!.deleteCell).toEqual({ name: 'renamed1', hostsUnmapped: 0, instancesUnmapped: 0 });
    });

    it('discovers the hosts a cell database reported and maps them once', async () => {
      const cell = createCellClient(cellDb.url);
      try {
        await cell.computeNode.create({
          data: {
            host: 'compute9',
            vcpus: 4,
            memoryMb: 4096,
            localGb: 40,
            hypervisorType: 'fake',
            hypervisorVersion: 1,
            cpuInfo: '{}',
          },
        });
      } finally {
        await cell.$disconnect();
      }
      const first = await h.gql(ADMIN, `mutation { discoverHosts(cell: "cell1") { host cell { name } } }`);
      expect(first.data!.discoverHosts).toEqual([{ host: 'compute9', cell: { name: 'cell1' } }]);
      const second = await h.gql(ADMIN, `mutation { discoverHosts { host } }`);
      expect(second.errors).toBeUndefined();
      expect(second.data!.discoverHosts).toEqual([]);
    });

    it('deletes a cell with hosts and instances when forced, unmapping them', async () => {
      const forced = await h.gql(
        ADMIN,
        `mutation { deleteCell(cell: "cell1", force: true) { uuid name hostsUnmapped instancesUnmapped } }`,
      );
      expect(forced.data!.deleteCell).toEqual({ uuid: cell1, name: 'cell1', hostsUnmapped: 3, instancesUnmapped: 1 });
      expect(await h.prisma.hostMapping.count()).toBe(0);
      expect((await h.gql(ADMIN, `query ($u: ID) { cell(uuid: $u) { name } }`, { u: cell1 })).data!.cell).toBeNull();
    });
  });
});
