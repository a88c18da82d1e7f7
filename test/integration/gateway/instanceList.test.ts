import { comparePositions, positionOf, type SortKey, type SortSpec } from '../../../domain/instanceOrder';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

const PAGE = `query($first: Int, $after: String, $sort: [InstanceSort!], $filter: InstanceFilter) {
  instances(first: $first, after: $after, sort: $sort, filter: $filter) {
    edges { cursor node { uuid projectId displayName } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellUuid cellName status }
  }
}`;

interface Page {
  edges: { cursor: string; node: { uuid: string; projectId: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  complete: boolean;
  cells: { cellName: string; status: string }[];
}

async function everyPage(
  topo: Topology,
  token: string,
  variables: Record<string, unknown>,
): Promise<{ uuids: string[]; pages: number }> {
  const uuids: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const res: { body: { data?: { instances: Page }; errors?: unknown[] } } = await topo.query(
      PAGE,
      { ...variables, after },
      token,
    );
    expect(res.body.errors).toBeUndefined();
    const page: Page = res.body.data!.instances;
    expect(page.complete).toBe(true);
    uuids.push(...page.edges.map((e) => e.node.uuid));
    pages++;
    if (!page.pageInfo.hasNextPage) return { uuids, pages };
    after = page.pageInfo.endCursor;
    expect(pages).toBeLessThan(100);
  }
}

function expectedOrder(rows: SeededInstance[], sort: SortSpec[]): string[] {
  return [...rows]
    .sort((a, b) => comparePositions(positionOf(a as never, sort), positionOf(b as never, sort), sort))
    .map((r) => r.uuid);
}

describe('instances across cells through the gateway', () => {
  let topo: Topology;
  let all: SeededInstance[];
  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    const options = { count: 45, projects: ['demo', 'alt'], tieEvery: 6, nullEvery: 9, slots: 2 };
    all = [
      ...(await seedInstances(topo.cells[0], topo.api, { ...options, slot: 0 })),
      ...(await seedInstances(topo.cells[1], topo.api, { ...options, slot: 1 })),
    ];
  });
  afterAll(() => topo?.stop());

  const keys: SortKey[] = ['CREATED_AT', 'UPDATED_AT', 'LAUNCHED_AT', 'DISPLAY_NAME'];
  for (const key of keys) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`returns every instance exactly once, in order, sorted by ${key} ${direction}`, async () => {
        const sort = [{ key, direction }];
        const token = await topo.token('admin', { admin: true });
        const { uuids, pages } = await everyPage(topo, token, { first: 7, sort, filter: { allProjects: true } });
        expect(pages).toBe(Math.ceil(all.length / 7));
        expect(new Set(uuids).size).toBe(all.length);
        expect(uuids).toEqual(expectedOrder(all, sort));
      });
    }
  }

  it('sorts by several keys, newest first by default', async () => {
    const token = await topo.token('admin', { admin: true });
    const byDefault = await everyPage(topo, token, { first: 20, filter: { allProjects: true } });
    expect(byDefault.uuids).toEqual(expectedOrder(all, [{ key: 'CREATED_AT', direction: 'DESC' }]));
    const sort: SortSpec[] = [
      { key: 'DISPLAY_NAME', direction: 'ASC' },
      { key: 'CREATED_AT', direction: 'DESC' },
    ];
    const twoKeys = await everyPage(topo, token, { first: 11, sort, filter: { allProjects: true } });
    expect(twoKeys.uuids).toEqual(expectedOrder(all, sort));
  });

  it('shows a non-admin only their own project, across pages', async () => {
    const token = await topo.token('alt');
    const { uuids } = await everyPage(topo, token, { first: 8 });
    const alt = all.filter((r) => r.projectId === 'alt');
    expect(uuids).toEqual(expectedOrder(alt, [{ key: 'CREATED_AT', direction: 'DESC' }]));
    const sneaky = await topo.query(PAGE, { first: 50, filter: { allProjects: true } }, token);
    expect(sneaky.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/filter\.allProjects/),
      extensions: { code: 'FORBIDDEN' },
    });
    const other = await topo.query(PAGE, { first: 50, filter: { projectId: 'demo' } }, token);
    expect(other.body.data?.instances.edges ?? []).toEqual([]);
  });

  it('asks only the cell named by filter.cellUuid and refuses an unknown one', async () => {
    const token = await topo.token('admin', { admin: true });
    const res = await topo.query(
      PAGE,
      { first: 100, filter: { allProjects: true, cellUuid: topo.cells[1].uuid } },
      token,
    );
    expect(res.body.data!.instances.cells.map((c: { cellName: string }) => c.cellName)).toEqual(['cell2']);
    expect(res.body.data!.instances.edges).toHaveLength(45);
    const bad = await topo.query(PAGE, { filter: { cellUuid: '00000000-0000-0000-0000-00000000dead' } }, token);
    expect(bad.body.errors?.[0].message).toMatch(
      /filter\.cellUuid: no cell with uuid "00000000-0000-0000-0000-00000000dead"/,
    );
    expect(bad.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a cursor made for another sort and a page larger than the maximum', async () => {
    const token = await topo.token('admin', { admin: true });
    const first = await topo.query(PAGE, { first: 2, filter: { allProjects: true } }, token);
    const cursor = first.body.data!.instances.pageInfo.endCursor;
    const wrong = await topo.query(
      PAGE,
      { first: 2, after: cursor, sort: [{ key: 'DISPLAY_NAME', direction: 'ASC' }] },
      token,
    );
    expect(wrong.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(wrong.body.errors?.[0].message).toMatch(/cursor was made for sort \[CREATED_AT:DESC\]/);
    const huge = await topo.query(PAGE, { first: 1001 }, token);
    expect(huge.body.errors?.[0].message).toMatch(/first: expected an integer from 0 to 1000, got 1001/);
  });

  it('passes a bad regular expression back as the cells word it, once', async () => {
    const token = await topo.token('admin', { admin: true });
    const res = await topo.query(PAGE, { filter: { allProjects: true, name: '(' } }, token);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0].message).toMatch(/name/);
  });

  it('merges and pages by the order whatever the client names its cursor and sort fields', async () => {
    const token = await topo.token('admin', { admin: true });
    const sort = [{ key: 'UPDATED_AT' as SortKey, direction: 'ASC' as const }];
    // The routing fields under other keys, and a key of one of them on another field.
    const query = `query($after: String, $sort: [InstanceSort!]) {
      instances(first: 20, after: $after, sort: $sort, filter: { allProjects: true }) {
        edges { c: cursor node { updatedAt: displayName when: updatedAt id: uuid } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const uuids: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res: { body: { data?: any; errors?: unknown[] } } = await topo.query(query, { after, sort }, token);
      expect(res.body.errors).toBeUndefined();
      const { edges, pageInfo } = res.body.data.instances;
      for (const edge of edges) {
        expect(Object.keys(edge)).toEqual(['c', 'node']);
        expect(Object.keys(edge.node)).toEqual(['updatedAt', 'when', 'id']);
      }
      uuids.push(...edges.map((e: { node: { id: string } }) => e.node.id));
      if (!pageInfo.hasNextPage) break;
      expect(pageInfo.endCursor).toBe(edges[edges.length - 1].c);
      after = pageInfo.endCursor;
    }
    expect(uuids).toEqual(expectedOrder(all, sort));
  });

  it('answers the client under its own aliases without the router fields', async () => {
    const token = await topo.token('admin', { admin: true });
    const res = await topo.query(
      `{ list: instances(first: 3, filter: { allProjects: true }) { rows: edges { node { id: uuid } } info: pageInfo { more: hasNextPage } ok: complete __typename } }`,
      {},
      token,
    );
    const list = res.body.data!.list;
    expect(Object.keys(list)).toEqual(['rows', 'info', 'ok', '__typename']);
    expect(list.rows).toHaveLength(3);
    expect(Object.keys(list.rows[0].node)).toEqual(['id']);
    expect(list).toMatchObject({ info: { more: true }, ok: true, __typename: 'InstanceConnection' });
  });
});
