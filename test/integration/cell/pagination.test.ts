import {
  comparePositions,
  positionOf,
  type SortDirection,
  type SortKey,
  type SortSpec,
} from '../../../domain/instanceOrder';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql } from './support/graphqlClient';
import { seedInstance } from './support/seed';

const PAGE = `query($sort: [InstanceSort!], $first: Int, $after: String) {
  instances(filter: { allProjects: true }, sort: $sort, first: $first, after: $after) {
    edges { cursor node { uuid createdAt updatedAt launchedAt displayName } }
    pageInfo { hasNextPage endCursor }
  }
}`;

// Names chosen so that byte order ('C' collation) differs from a human, case-folding order.
const NAMES = ['alpha', 'Zeta', 'beta', 'Éclair', 'alpha', null, 'web-10', 'web-9', '_under', 'Alpha'];

async function walk(cell: CellFixture, sort: SortSpec[], first: number) {
  const seen: Record<string, any>[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const answer: any = await gql(cell.subgraph.url, PAGE, { sort, first, after }, admin());
    expect(answer.errors).toBeUndefined();
    const connection = answer.data.instances;
    seen.push(...connection.edges.map((edge: any) => edge.node));
    if (!connection.pageInfo.hasNextPage) return { seen, pages: pages + 1 };
    after = connection.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('keyset pagination of one cell', () => {
  let cell: CellFixture;
  let all: Record<string, unknown>[];

  beforeAll(async () => {
    cell = await startCellFixture('pages');
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    for (let i = 0; i < 45; i++) {
      await seedInstance(cell.db, {
        projectId: `p${i % 3}`,
        // Groups of three share created_at, so the uuid tie-break decides.
        createdAt: new Date(base + Math.floor(i / 3) * 60000),
        updatedAt: i % 4 === 0 ? null : new Date(base + ((i * 7) % 45) * 1000),
        launchedAt: i % 5 === 0 ? null : new Date(base + (i % 6) * 3600000),
        displayName: NAMES[i % NAMES.length],
      });
    }
    all = await cell.db.instance.findMany();
  });
  afterAll(() => cell.close());

  const keys: SortKey[] = ['CREATED_AT', 'UPDATED_AT', 'LAUNCHED_AT', 'DISPLAY_NAME'];
  const directions: SortDirection[] = ['ASC', 'DESC'];
  const single = keys.flatMap((key) => directions.map((direction) => [[{ key, direction }]] as [SortSpec[]]));
  const multi: [SortSpec[]][] = [
    [
      [
        { key: 'DISPLAY_NAME', direction: 'ASC' },
        { key: 'CREATED_AT', direction: 'DESC' },
      ],
    ],
    [
      [
        { key: 'LAUNCHED_AT', direction: 'DESC' },
        { key: 'UPDATED_AT', direction: 'ASC' },
      ],
    ],
  ];

  it.each([...single, ...multi])('returns every instance exactly once, in the shared order, under %j', async (sort) => {
    const { seen, pages } = await walk(cell, sort, 7);
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(new Set(seen.map((row) => row.uuid)).size).toBe(all.length);
    const expected = [...all]
      .sort((a, b) => comparePositions(positionOf(a, sort), positionOf(b, sort), sort))
      .map((row) => row.uuid);
    expect(seen.map((row) => row.uuid)).toEqual(expected);
  });

  it('orders display names by bytes, as the C collation does', async () => {
    const { seen } = await walk(cell, [{ key: 'DISPLAY_NAME', direction: 'ASC' }], 50);
    const names = [...new Set(seen.map((row) => row.displayName))];
    expect(names).toEqual(['Alpha', 'Zeta', '_under', 'alpha', 'beta', 'web-10', 'web-9', 'Éclair', null]);
  });

  it('puts NULL launch times first when descending and last when ascending', async () => {
    const desc = (await walk(cell, [{ key: 'LAUNCHED_AT', direction: 'DESC' }], 50)).seen;
    const asc = (await walk(cell, [{ key: 'LAUNCHED_AT', direction: 'ASC' }], 50)).seen;
    expect(desc[0].launchedAt).toBeNull();
    expect(asc[asc.length - 1].launchedAt).toBeNull();
    expect(asc[0].launchedAt).not.toBeNull();
  });

  it('defaults to newest first by created_at', async () => {
    const { seen } = await walk(cell, [], 50);
    const sort: SortSpec[] = [{ key: 'CREATED_AT', direction: 'DESC' }];
    expect(seen.map((row) => row.uuid)).toEqual(
      [...all].sort((a, b) => comparePositions(positionOf(a, sort), positionOf(b, sort), sort)).map((row) => row.uuid),
    );
  });

  it('continues from a cursor even when the row it names was deleted meanwhile', async () => {
    const sort: SortSpec[] = [{ key: 'CREATED_AT', direction: 'ASC' }];
    const first: any = await gql(cell.subgraph.url, PAGE, { sort, first: 5 }, admin());
    const lastUuid = first.data.instances.edges[4].node.uuid;
    const victim = await cell.db.instance.findUniqueOrThrow({ where: { uuid: lastUuid } });
    await cell.db.instance.update({ where: { uuid: lastUuid }, data: { deleted: victim.id } });
    const next: any = await gql(
      cell.subgraph.url,
      PAGE,
      { sort, first: 5, after: first.data.instances.pageInfo.endCursor },
      admin(),
    );
    const expected = [...all]
      .sort((a, b) => comparePositions(positionOf(a, sort), positionOf(b, sort), sort))
      .slice(5, 10)
      .map((row) => row.uuid);
    expect(next.data.instances.edges.map((edge: any) => edge.node.uuid)).toEqual(expected);
    await cell.db.instance.update({ where: { uuid: lastUuid }, data: { deleted: 0 } });
  });

  it('refuses a cursor made for another sort', async () => {
    const first: any = await gql(
      cell.subgraph.url,
      PAGE,
      { sort: [{ key: 'CREATED_AT', direction: 'ASC' }], first: 2 },
      admin(),
    );
    const answer = await gql(
      cell.subgraph.url,
      PAGE,
      { sort: [{ key: 'DISPLAY_NAME', direction: 'ASC' }], first: 2, after: first.data.instances.pageInfo.endCursor },
      admin(),
    );
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toContain('after: cursor was made for sort [CREATED_AT:ASC]');
  });

  it('refuses a sort that names a key twice', async () => {
    const answer = await gql(
      cell.subgraph.url,
      PAGE,
      {
        sort: [
          { key: 'CREATED_AT', direction: 'ASC' },
          { key: 'CREATED_AT', direction: 'DESC' },
        ],
      },
      admin(),
    );
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sort' });
    expect(answer.errors?.[0].message).toBe('sort[1].key: CREATED_AT is given twice');
  });

  it('refuses a cursor that is not one', async () => {
    const answer = await gql(cell.subgraph.url, PAGE, { first: 2, after: 'not-a-cursor' }, admin());
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toContain('after:');
  });

  it.each([[-1], [1001]])('refuses first: %d with BAD_USER_INPUT naming the value', async (first) => {
    const answer = await gql(cell.subgraph.url, PAGE, { first }, admin());
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toBe(`first: expected an integer from 0 to 1000, got ${first}`);
  });

  it('gives 50 instances when first is not given, and up to 1000 when asked', async () => {
    for (let i = 0; i < 10; i++) await seedInstance(cell.db, { projectId: 'p-extra' });
    const answer: any = await gql(
      cell.subgraph.url,
      `{ instances(filter: { allProjects: true }) { edges { cursor } pageInfo { hasNextPage } } }`,
      {},
      admin(),
    );
    expect(answer.data.instances.edges).toHaveLength(50);
    expect(answer.data.instances.pageInfo.hasNextPage).toBe(true);
    const page: any = await gql(cell.subgraph.url, PAGE, { first: 1000 }, admin());
    expect(page.data.instances.edges).toHaveLength(55);
    expect(page.data.instances.pageInfo.hasNextPage).toBe(false);
  });
});
