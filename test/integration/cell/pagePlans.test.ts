import { Prisma } from '../../../prisma/cell/generated/client';
import { createCellClient, type CellClient } from '../../../prisma/clients';
import { filterToSql } from '../../../subgraphs/cell/instanceFilter';
import { pageQuery } from '../../../subgraphs/cell/instancePage';
import {
  positionOf,
  SORT_FIELDS,
  type SortDirection,
  type SortKey,
  type SortSpec,
} from '../../../domain/instanceOrder';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { admin, user } from './support/graphqlClient';

describe('the plan of a page query', () => {
  // Index Cond on the sort column: the scan starts at the cursor instead of filtering every row before it.
  let database: TestDatabase;
  let db: CellClient;

  beforeAll(async () => {
    database = await createTestDatabase('cell', 'plans');
    db = createCellClient(database.url);
    await db.$executeRawUnsafe(`
      INSERT INTO instances (uuid, project_id, display_name, created_at, updated_at, launched_at, deleted)
      SELECT md5(i::text), 'p' || (i % 20), CASE WHEN i % 9 = 0 THEN NULL ELSE 'vm-' || i END,
             now() - (i || ' seconds')::interval,
             CASE WHEN i % 4 = 0 THEN NULL ELSE now() - (i || ' minutes')::interval END,
             CASE WHEN i % 7 = 0 THEN NULL ELSE now() - ((i % 500) || ' hours')::interval END,
             CASE WHEN i % 50 = 0 THEN i ELSE 0 END
      FROM generate_series(1, 20000) AS i`);
    await db.$executeRawUnsafe('ANALYZE instances');
  });
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  async function plan(sort: SortSpec[], identity = admin(), afterNull = false): Promise<string> {
    const filter = filterToSql(identity.isAdmin ? { allProjects: true } : null, identity, 'cell');
    if (filter.kind !== 'sql') throw new Error('unexpected empty filter');
    // A cursor in the middle of the list (or on a NULL), as page 2 onwards uses.
    const column = Prisma.raw(SORT_FIELDS[sort[0].key].column);
    const [row] = await db.$queryRaw<Record<string, unknown>[]>(
      afterNull
        ? Prisma.sql`SELECT * FROM instances WHERE ${column} IS NULL LIMIT 1`
        : Prisma.sql`SELECT * FROM instances WHERE ${column} IS NOT NULL ORDER BY id OFFSET 5000 LIMIT 1`,
    );
    const camel = Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
    );
    const query = pageQuery({ conditions: filter.conditions, sort, after: positionOf(camel, sort), first: 50 });
    const lines = await db.$queryRaw<{ 'QUERY PLAN': string }[]>(Prisma.sql`EXPLAIN ${query}`);
    return lines.map((line) => line['QUERY PLAN']).join('\n');
  }

  const columnOf = (key: SortKey) => SORT_FIELDS[key].column;
  const keys: SortKey[] = ['CREATED_AT', 'UPDATED_AT', 'LAUNCHED_AT', 'DISPLAY_NAME'];
  const directions: SortDirection[] = ['ASC', 'DESC'];
  const cases = keys.flatMap((key) => directions.map((direction) => [key, direction] as const));

  it.each(cases)('scans an index from the cursor for %s %s, without a sequential scan', async (key, direction) => {
    const text = await plan([{ key, direction }]);
    expect(text).toMatch(new RegExp(`Index Cond: .*${columnOf(key)}`));
    expect(text).not.toMatch(/Seq Scan/);
  });

  it.each(cases.filter(([key]) => key !== 'CREATED_AT'))(
    'also scans an index when the cursor sits on a NULL %s (%s)',
    async (key, direction) => {
      const text = await plan([{ key, direction }], admin(), true);
      expect(text).toMatch(new RegExp(`Index Cond: .*${columnOf(key)}`));
      expect(text).not.toMatch(/Seq Scan/);
    },
  );

  it("uses the project index for a non-admin's page", async () => {
    const text = await plan([{ key: 'CREATED_AT', direction: 'DESC' }], user('p3'));
    expect(text).toMatch(/instances_project_id_created_at_uuid_idx/);
  });
});
