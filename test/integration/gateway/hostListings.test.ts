import { compareMergedHostPositions, encodeHostCursor, type MergedHostPosition } from '../../../domain/hostOrder';
import { startTopology, type TestCell, type Topology } from '../../helpers/topology';

const SERVICES = `query($filter: ComputeServiceFilter, $first: Int, $after: String) {
  computeServices(filter: $filter, first: $first, after: $after) {
    edges { cursor node { uuid cellUuid host binary disabled forcedDown lastSeenUp state } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellName status }
  }
}`;

const NODES = `query($first: Int, $after: String) {
  computeNodes(first: $first, after: $after) {
    edges { cursor node { cellUuid host hypervisorHostname vcpus } }
    pageInfo { hasNextPage endCursor }
    complete
  }
}`;

const SUMMARIES = `{
  cellSummaries { __typename cellName status message summary { hostsUp hostsDown } again: summary { cellUuid } }
}`;

interface Page {
  edges: { cursor: string; node: Record<string, any> }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  complete: boolean;
  cells: { cellName: string; status: string }[];
}

/** A seeded row and where the merged order puts it. */
interface Seeded extends MergedHostPosition {
  uuid: string | null;
}

// Hosts interleave across cells; `shared` sits in two cells (a host mapped twice is an
// operator's mistake, but the order must still be total), and NULL hosts in every cell.
const HOSTS: Record<string, (string | null)[]> = {
  cell1: ['a-1', 'c-1', 'e-1', 'shared', null, 'Z-1'],
  cell2: ['b-2', 'd-2', 'f-2', 'shared', null],
  cell3: ['a-3', 'c-3', 'g-3', null],
};

describe('host listings through the gateway, merged across cells', () => {
  let topo: Topology;
  let admin: string;
  const services: Seeded[] = [];
  const nodes: Seeded[] = [];

  async function seed(cell: TestCell, index: number): Promise<void> {
    let n = 0;
    for (const host of HOSTS[cell.name]) {
      // Two services on a named host: the row id orders them.
      for (const binary of host ? ['nova-compute', 'nova-conductor'] : ['nova-scheduler']) {
        const uuid = `00000000-0000-4000-800${index}-${String(++n).padStart(12, '0')}`;
        const row = await cell.prisma.service.create({
          data: { uuid, host, binary, topic: `${binary}-${n}`, lastSeenUp: new Date() },
        });
        services.push({ host, cellUuid: cell.uuid, id: row.id, uuid });
      }
      if (!host) continue;
      const node = await cell.prisma.computeNode.create({
        data: {
          host,
          hypervisorHostname: `${host}.node`,
          hypervisorType: 'fake',
          hypervisorVersion: 1,
          cpuInfo: '{}',
          vcpus: 8,
          memoryMb: 1024,
          localGb: 10,
        },
      });
      nodes.push({ host, cellUuid: cell.uuid, id: node.id, uuid: null });
    }
  }

  async function walk(query: string, first: number, variables: Record<string, unknown> = {}): Promise<Page[]> {
    const pages: Page[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const { body } = await topo.query(query, { ...variables, first, after }, admin);
      expect(body.errors).toBeUndefined();
      const page = (body.data.computeServices ?? body.data.computeNodes) as Page;
      pages.push(page);
      if (!page.pageInfo.hasNextPage) return pages;
      after = page.pageInfo.endCursor;
    }
    throw new Error('the walk did not end');
  }

  const key = (node: Record<string, any>) => `${node.cellUuid}/${node.host}/${node.uuid ?? node.hypervisorHostname}`;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2', 'cell3'] });
    for (const [i, cell] of topo.cells.entries()) await seed(cell, i + 1);
    admin = await topo.token('admin', { admin: true });
  });

  afterAll(async () => {
    await topo?.stop();
  });

  it.each([1, 3, 7, 100])(
    'walks every service of every cell once, in host, cell, id order (first %i)',
    async (first) => {
      const pages = await walk(SERVICES, first);
      const seen = pages.flatMap((p) => p.edges.map((e) => e.node));
      const expected = [...services].sort(compareMergedHostPositions);
      expect(seen.map((n) => `${n.cellUuid}/${n.uuid}`)).toEqual(expected.map((s) => `${s.cellUuid}/${s.uuid}`));
      expect(seen.every((n) => n.state === 'UP')).toBe(true);
      for (const page of pages) {
        expect(page.complete).toBe(true);
        expect(page.cells.map((c) => c.status)).toEqual(['OK', 'OK', 'OK']);
      }
    },
  );

  it('walks every compute node once across cells', async () => {
    const pages = await walk(NODES, 2);
    const seen = pages.flatMap((p) => p.edges.map((e) => e.node));
    const expected = [...nodes].sort(compareMergedHostPositions);
    expect(seen.map((n) => `${n.cellUuid}/${n.host}`)).toEqual(expected.map((s) => `${s.cellUuid}/${s.host}`));
    expect(new Set(seen.map(key)).size).toBe(nodes.length);
  });

  it('passes the filter to every cell', async () => {
    const pages = await walk(SERVICES, 2, { filter: { binary: 'nova-conductor' } });
    const seen = pages.flatMap((p) => p.edges.map((e) => e.node));
    expect(seen).toHaveLength(
      Object.values(HOSTS)
        .flat()
        .filter((h) => h !== null).length,
    );
    expect(seen.every((n) => n.binary === 'nova-conductor')).toBe(true);
  });

  it('is for admins only: a member gets FORBIDDEN once, not once per cell', async () => {
    const member = await topo.token('demo');
    for (const query of [SERVICES, NODES]) {
      const { body } = await topo.query(query, { first: 5 }, member);
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it.each([
    [{ first: -1 }, /^first: expected an integer from 0/],
    [{ first: 5, after: 'nope' }, /^after: expected a cursor from a previous page/],
  ])('names a bad argument (%j)', async (variables, message) => {
    const { body } = await topo.query(SERVICES, variables, admin);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(message);
  });

  it("refuses a nodes cursor for services, and a cell's own cursor", async () => {
    const nodesPage = (await topo.query(NODES, { first: 1 }, admin)).body.data.computeNodes as Page;
    const { body } = await topo.query(SERVICES, { first: 1, after: nodesPage.pageInfo.endCursor }, admin);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/^after: cursor was made for sort/);
    const cellCursor = encodeHostCursor('computeServices', { host: 'a-1', id: 1 });
    const own = (await topo.query(SERVICES, { first: 1, after: cellCursor }, admin)).body;
    expect(own.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(own.errors[0].message).toMatch(/^after: cursor was made for sort/);
  });

  it('sums up every cell in one request, admins only', async () => {
    const { body } = await topo.query(SUMMARIES, {}, admin);
    expect(body.errors).toBeUndefined();
    expect(body.data.cellSummaries).toEqual(
      topo.cells.map((cell) => ({
        __typename: 'CellSummaryResult',
        cellName: cell.name,
        status: 'OK',
        message: null,
        summary: { hostsUp: HOSTS[cell.name].filter((h) => h !== null).length, hostsDown: 0 },
        again: { cellUuid: cell.uuid },
      })),
    );
    const member = await topo.token('demo');
    const refused = (await topo.query(SUMMARIES, {}, member)).body;
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  describe('with a cell down', () => {
    let down: TestCell;
    let mapped: string[];

    beforeAll(async () => {
      down = topo.cells[2];
      const mapping = await topo.api.cellMapping.findUniqueOrThrow({ where: { uuid: down.uuid } });
      mapped = HOSTS[down.name].filter((h): h is string => h !== null);
      await topo.api.hostMapping.createMany({ data: mapped.map((host) => ({ host, cellId: mapping.id })) });
      await down.stop();
    });

    afterAll(async () => {
      await down.start();
    });

    it('lists its mapped hosts as UNKNOWN services, once each, in order, with complete false', async () => {
      const pages = await walk(SERVICES, 2);
      const seen = pages.flatMap((p) => p.edges.map((e) => e.node));
      const live = services.filter((s) => s.cellUuid !== down.uuid);
      const unknown = mapped.map((host) => ({ host, cellUuid: down.uuid, id: 0, uuid: null }));
      const expected = [...live, ...unknown].sort(compareMergedHostPositions);
      expect(seen.map((n) => `${n.cellUuid}/${n.host}/${n.uuid}`)).toEqual(
        expected.map((s) => `${s.cellUuid}/${s.host}/${s.uuid}`),
      );
      const records = seen.filter((n) => n.cellUuid === down.uuid);
      expect(records).toHaveLength(mapped.length);
      for (const record of records)
        expect(record).toEqual({
          uuid: null,
          cellUuid: down.uuid,
          host: record.host,
          binary: 'nova-compute',
          disabled: null,
          forcedDown: null,
          lastSeenUp: null,
          state: 'UNKNOWN',
        });
      for (const page of pages) {
        expect(page.complete).toBe(false);
        expect(page.cells.find((c) => c.cellName === down.name)?.status).not.toBe('OK');
      }
    });

    it('leaves them out when the filter could not match them', async () => {
      const pages = await walk(SERVICES, 50, { filter: { state: 'UP' } });
      const seen = pages.flatMap((p) => p.edges.map((e) => e.node));
      expect(seen.some((n) => n.cellUuid === down.uuid)).toBe(false);
      expect(pages[0].complete).toBe(false);
    });

    it('keeps its summary row, marked, with a null summary', async () => {
      const { body } = await topo.query(SUMMARIES, {}, admin);
      expect(body.errors).toBeUndefined();
      const rows = body.data.cellSummaries as { cellName: string; status: string; summary: unknown }[];
      expect(rows.map((r) => r.cellName)).toEqual(topo.cells.map((c) => c.name));
      const row = rows.find((r) => r.cellName === down.name)!;
      expect(row.status).not.toBe('OK');
      expect(row.summary).toBeNull();
      expect(rows.filter((r) => r !== row).every((r) => r.status === 'OK' && r.summary !== null)).toBe(true);
    });

    it("leaves the down cell's compute nodes out, with complete false", async () => {
      const pages = await walk(NODES, 3);
      const seen = pages.flatMap((p) => p.edges.map((e) => e.node));
      expect(seen).toHaveLength(nodes.filter((n) => n.cellUuid !== down.uuid).length);
      expect(pages.every((p) => p.complete === false)).toBe(true);
    });
  });
});
