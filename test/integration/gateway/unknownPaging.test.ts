import { Client } from 'pg';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { testServices } from '../../helpers/services';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = `query($first: Int, $after: String, $filter: InstanceFilter, $sort: [InstanceSort!]) {
  instances(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { cursor node { uuid status projectId userId createdAt displayName host availabilityZone flavor { name } } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellName status message }
  }
}`;

async function pgAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: testServices.pgUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

// The fault: the cell's database refuses new connections and its sessions are ended.
async function closeDatabase(name: string): Promise<void> {
  await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await pgAdmin(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
}

async function openDatabase(name: string): Promise<void> {
  await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
}

interface Page {
  edges: { cursor: string; node: Record<string, any> }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  complete: boolean;
  cells: { cellName: string; status: string; message: string | null }[];
}

describe('UNKNOWN records that page, with one cell down', () => {
  let topo: Topology;
  let live: SeededInstance[];
  let down: SeededInstance[];
  let demo: string;
  let flavorId: number;
  let mappingCreated: Map<string, string>;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    flavorId = (
      await topo.api.instanceType.create({
        data: { name: 'm1.small', flavorid: '2', memoryMb: 2048, vcpus: 1, rootGb: 20 },
      })
    ).id;
    live = (await seedInstances(topo.cells[0], topo.api, { count: 46, projects: ['demo', 'alt'], flavorId })).filter(
      (r) => r.projectId === 'demo',
    );
    down = (await seedInstances(topo.cells[1], topo.api, { count: 90, projects: ['demo', 'alt'], flavorId })).filter(
      (r) => r.projectId === 'demo',
    );
    // Half of the down cell's instances have a request spec naming flavor and zone.
    await topo.api.requestSpec.createMany({
      data: down
        .filter((_, i) => i % 2 === 0)
        .map((r) => ({
          instanceUuid: r.uuid,
          spec: JSON.stringify({ flavor: { id: flavorId, name: 'm1.small' }, availability_zone: 'az-2' }),
        })),
    });
    const mappings = await topo.api.instanceMapping.findMany({
      where: { instanceUuid: { in: down.map((r) => r.uuid) } },
    });
    mappingCreated = new Map(mappings.map((m) => [m.instanceUuid, m.createdAt.toISOString()]));
    demo = await topo.token('demo');
    await topo.query(LIST, { first: 1 }, demo); // both cells pass their schema check
    await closeDatabase(topo.cells[1].db.name);
  });
  afterAll(async () => {
    await openDatabase(topo.cells[1].db.name).catch(() => undefined);
    await topo?.stop();
  });

  async function walk(first: number, onPage?: (page: Page, index: number) => Promise<void>): Promise<Page[]> {
    const pages: Page[] = [];
    let after: string | null = null;
    for (let i = 0; i < 200; i++) {
      const res = await topo.query(LIST, { first, after }, demo);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const page: Page = res.body.data.instances;
      pages.push(page);
      await onPage?.(page, i);
      if (!page.pageInfo.hasNextPage) return pages;
      after = page.pageInfo.endCursor;
    }
    throw new Error(`the walk with first ${first} did not end`);
  }

  const newestFirst = (rows: SeededInstance[]) =>
    [...rows]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.uuid < b.uuid ? 1 : -1))
      .map((r) => r.uuid);

  it.each([1, 5, 37, 1000])(
    'shows every record exactly once with pages of %i: the live rows, then the UNKNOWN ones by uuid',
    async (first) => {
      const pages = await walk(first);
      const edges = pages.flatMap((p) => p.edges);
      const uuids = edges.map((e) => e.node.uuid);
      expect(uuids).toEqual([...newestFirst(live), ...down.map((r) => r.uuid).sort()]);
      expect(edges.slice(live.length).every((e) => e.node.status === 'UNKNOWN')).toBe(true);
      // Full pages until the last, which alone says there is no next page.
      pages.slice(0, -1).forEach((p) => {
        expect(p.edges).toHaveLength(first);
        expect(p.pageInfo.hasNextPage).toBe(true);
      });
      expect(pages.at(-1)!.edges.length).toBeLessThanOrEqual(first);
      expect(pages.every((p) => p.complete === false)).toBe(true);
    },
  );

  it('pages the issue example: 5 per page, live rows then UNKNOWN, the last page ending the walk', async () => {
    const [firstPage, ...rest] = await walk(5);
    expect(firstPage.edges.map((e) => e.node.status).every((s) => s !== 'UNKNOWN')).toBe(true);
    const boundary = Math.floor(live.length / 5); // the page where live rows give way to UNKNOWN ones
    const pages = [firstPage, ...rest];
    const mixed = pages[boundary];
    expect(mixed.edges.filter((e) => e.node.status !== 'UNKNOWN')).toHaveLength(live.length % 5);
    expect(mixed.edges.filter((e) => e.node.status === 'UNKNOWN')).toHaveLength(5 - (live.length % 5));
    expect(mixed.pageInfo.hasNextPage).toBe(true);
    expect(mixed.pageInfo.endCursor).toBe(mixed.edges.at(-1)!.cursor);
  });

  it('gives UNKNOWN records what the API database knows, and null for the rest', async () => {
    const pages = await walk(1000);
    const unknown = pages.flatMap((p) => p.edges).filter((e) => e.node.status === 'UNKNOWN');
    for (const { node } of unknown) {
      const row = down.find((r) => r.uuid === node.uuid)!;
      const specced = down.indexOf(row) % 2 === 0;
      expect(node).toEqual({
        uuid: row.uuid,
        status: 'UNKNOWN',
        projectId: 'demo',
        userId: 'demo-user',
        createdAt: mappingCreated.get(row.uuid),
        displayName: null,
        host: null,
        availabilityZone: specced ? 'az-2' : null,
        flavor: specced ? { name: 'm1.small' } : null,
      });
    }
    expect(pages[0].cells).toEqual([
      { cellName: 'cell1', status: 'OK', message: null },
      { cellName: 'cell2', status: 'UNAVAILABLE', message: expect.any(String) },
    ]);
  });

  it('keeps listing UNKNOWN records by uuid when the cell comes back during the UNKNOWN phase', async () => {
    let reopened = false;
    try {
      const pages = await walk(7, async (page) => {
        if (!reopened && page.edges.some((e) => e.node.status === 'UNKNOWN')) {
          await openDatabase(topo.cells[1].db.name);
          reopened = true;
        }
      });
      expect(reopened).toBe(true);
      expect(pages.flatMap((p) => p.edges).map((e) => e.node.uuid)).toEqual([
        ...newestFirst(live),
        ...down.map((r) => r.uuid).sort(),
      ]);
      // A page in the UNKNOWN phase asks no cell and says so in the cell's row.
      const later = pages.at(-1)!;
      expect(later.cells).toEqual([
        {
          cellName: 'cell2',
          status: 'UNAVAILABLE',
          message: 'not asked: past the live rows, its instances continue as UNKNOWN records',
        },
      ]);
      expect(later.complete).toBe(false);
    } finally {
      await closeDatabase(topo.cells[1].db.name);
    }
  });

  it('refuses a cursor of UNKNOWN records for a sorted or filtered list', async () => {
    const pages = await walk(1000);
    const cursor = pages[0].edges.at(-1)!.cursor;
    const sorted = await topo.query(
      LIST,
      { first: 5, after: cursor, sort: [{ key: 'DISPLAY_NAME', direction: 'ASC' }] },
      demo,
    );
    expect(sorted.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const filtered = await topo.query(LIST, { first: 5, after: cursor, filter: { status: 'ACTIVE' } }, demo);
    expect(filtered.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(filtered.body.errors[0].message).toMatch(/^after: /);
  });

  it("never lists another project's UNKNOWN records, whatever the cursor says", async () => {
    const alt = await topo.token('alt');
    const mine = (await walk(1000)).flatMap((p) => p.edges).map((e) => e.node.uuid);
    const res = await topo.query(LIST, { first: 1000 }, alt);
    const theirs = res.body.data.instances.edges.map((e: any) => e.node.uuid);
    expect(theirs.filter((uuid: string) => mine.includes(uuid))).toEqual([]);
    // A demo cursor used by alt continues alt's records only.
    const demoCursor = (await topo.query(LIST, { first: live.length + 1 }, demo)).body.data.instances.pageInfo
      .endCursor;
    const continued = await topo.query(LIST, { first: 1000, after: demoCursor }, alt);
    expect(continued.body.data.instances.edges.every((e: any) => e.node.projectId === 'alt')).toBe(true);
  });
});
