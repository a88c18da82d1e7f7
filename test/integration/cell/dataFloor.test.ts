import { Client, Pool } from 'pg';
import { cellPageSql, DETAIL_NESTED, floorPools, pageStatement } from '../../../bench/floor';
import { nestedQuery } from '../../../subgraphs/cell/loaders';
import { LIST_DETAIL_DIRECT } from '../../../bench/queries';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql } from './support/graphqlClient';
import { seedInstance, seedNested } from './support/seed';

// The bench's data floor and its `cellSql` time replay the cell subgraph's statements
// with pg directly: they must be the subgraph's statements and read the subgraph's rows.
describe("the bench's data floor against the cell subgraph", () => {
  let cell: CellFixture;
  let pool: Pool;

  beforeAll(async () => {
    cell = await startCellFixture('floor');
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 40; i++) {
      const row = await seedInstance(cell.db, { projectId: `p${i % 3}`, createdAt: new Date(base + (i % 7) * 1000) });
      await seedNested(cell.db, row.uuid);
    }
    await seedInstance(cell.db, { deleted: true });
    pool = new Pool({ connectionString: cell.database.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await cell.close();
  });

  it('runs the statements the subgraph runs for list-1000-detail straight to the cell', async () => {
    cell.statements.length = 0;
    const answer: any = await gql(cell.subgraph.url, LIST_DETAIL_DIRECT, { first: 25 }, admin());
    expect(answer.errors).toBeUndefined();
    const subgraphStatements = [...cell.statements].sort();
    const floor = await cellPageSql(pool, cell.cellUuid, 25, null);
    expect(floor.statements).toBe(subgraphStatements.length);
    expect(subgraphStatements).toHaveLength(5);
    const floorStatements = [
      pageStatement(25, null, cell.cellUuid).text,
      ...DETAIL_NESTED.map((n) => nestedQuery(n.table, 'instance_uuid', n.options, ['x']).text),
    ].sort();
    expect(subgraphStatements).toEqual(floorStatements);
    expect(floor.sqlMs).toBeGreaterThan(0);
  });

  it("reads the subgraph's rows in its order, with the same nested lists", async () => {
    const answer: any = await gql(cell.subgraph.url, LIST_DETAIL_DIRECT, { first: 25 }, admin());
    const edges = answer.data.instances.edges as any[];
    const floor = await cellPageSql(pool, cell.cellUuid, 25, null);
    expect(floor.rows.map((r) => r.uuid)).toEqual(edges.map((e) => e.node.uuid));
    expect(floor.hasMore).toBe(answer.data.instances.pageInfo.hasNextPage);
    expect(floor.rows.map((r) => r.metadata.map((m: any) => ({ key: m.key, value: m.value })))).toEqual(
      edges.map((e) => e.node.metadata),
    );
    expect(floor.rows.map((r) => r.faults[0]?.code ?? null)).toEqual(edges.map((e) => e.node.fault?.code ?? null));
    expect(floor.rows.map((r) => r.blockDeviceMappings.length)).toEqual(
      edges.map((e) => e.node.blockDeviceMappings.length),
    );
  });

  // The scenario after the floor opens the cell subgraphs' pools at once: the floor's
  // connections must be gone from the server, not only closed on the bench's side.
  it("ends the floor's pools only once the server holds none of their connections", async () => {
    // Its API pool and its one cell pool, both on this cell's database, eight connections each.
    const floor = floorPools(cell.database.url, [{ uuid: cell.cellUuid, databaseUrl: cell.database.url }], 8);
    const { application } = floor;
    const pools = [floor.api, floor.cells[0].pool];
    await Promise.all(pools.flatMap((p) => Array.from({ length: 8 }, () => p.query('SELECT pg_sleep(0.02)'))));
    const watcher = new Client({ connectionString: cell.database.url });
    await watcher.connect();
    try {
      const open = async () =>
        (
          await watcher.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [application],
          )
        ).rows[0].n;
      expect(await open()).toBe(16);
      await floor.close();
      expect(await open()).toBe(0);
    } finally {
      await watcher.end();
    }
  });
});
