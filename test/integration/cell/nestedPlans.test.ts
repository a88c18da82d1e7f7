import { Prisma } from '../../../prisma/cell/generated/client';
import { createCellClient, type CellClient } from '../../../prisma/clients';
import { nestedQuery } from '../../../subgraphs/cell/loaders';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';

describe("the plan of a page's nested look-ups", () => {
  // 10,000 instances with two metadata rows each: the size at which PostgreSQL's default
  // random_page_cost made the planner read the whole table for a page's 111 uuids.
  let database: TestDatabase;
  let db: CellClient;
  let uuids: string[];

  beforeAll(async () => {
    database = await createTestDatabase('cell', 'nested_plans');
    db = createCellClient(database.url);
    await db.$executeRawUnsafe(
      `INSERT INTO instances (uuid, project_id, created_at) SELECT md5(i::text), 'p', now() - (i || ' s')::interval FROM generate_series(1, 10000) AS i`,
    );
    await db.$executeRawUnsafe(
      `INSERT INTO instance_metadata (instance_uuid, key, value) SELECT uuid, k, 'v' FROM instances, unnest(ARRAY['role', 'owner']) AS k`,
    );
    await db.$executeRawUnsafe(
      `INSERT INTO block_device_mapping (instance_uuid, source_type, destination_type, boot_index) SELECT uuid, 'image', 'local', 0 FROM instances`,
    );
    await db.$executeRawUnsafe('ANALYZE');
    uuids = (await db.$queryRaw<{ uuid: string }[]>`SELECT uuid FROM instances ORDER BY created_at DESC LIMIT 111`).map(
      (r) => r.uuid,
    );
  });
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  const plan = async (query: Prisma.Sql) =>
    (await db.$queryRaw<{ 'QUERY PLAN': string }[]>(Prisma.sql`EXPLAIN ${query}`))
      .map((line) => line['QUERY PLAN'])
      .join('\n');

  it.each([
    ['instance_metadata', { order: 'key' }, 'instance_metadata_instance_uuid_idx'],
    ['block_device_mapping', { order: 'boot_index, id' }, 'block_device_mapping_instance_uuid_idx'],
  ])('reads %s through its instance_uuid index, not the whole table', async (table, options, index) => {
    const text = await plan(nestedQuery(table, 'instance_uuid', options, uuids));
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('answers every row of the keys asked for, and only those', async () => {
    const rows = await db.$queryRaw<{ instance_uuid: string }[]>(
      nestedQuery('instance_metadata', 'instance_uuid', { order: 'key' }, uuids.slice(0, 3)),
    );
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.instance_uuid))).toEqual(new Set(uuids.slice(0, 3)));
  });
});
