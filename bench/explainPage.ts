/**
 * `npx tsx bench/explainPage.ts [instances] [first...]`: EXPLAIN (ANALYZE, BUFFERS) of the
 * cell subgraph's list-1000-detail statements (the page, then its four nested lists)
 * over one throw-away bench cell of `instances` rows (default 10,000), for each page
 * size (default 111, the gateway's share per cell of 10, and 1000). Prints JSON: per
 * statement the plan's top node, execution time and buffers.
 */
import { withDatabase } from '../prisma/databaseUrl';
import { dropDatabase, ensureDatabase } from '../prisma/databases';
import { migrate } from '../prisma/migrate';
import { CONNECTION_OPTIONS } from '../prisma/clients';
import { nestedQuery } from '../subgraphs/cell/loaders';
import { DETAIL_NESTED, pageStatement } from './floor';
import { withClient } from './pgClient';
import { fleetInstances } from './rows';
import { seedCell } from './seedCell';

async function main(): Promise<void> {
  const [count = 10000, ...sizes] = process.argv.slice(2).map(Number);
  const firsts = sizes.length ? sizes : [111, 1000];
  const pgUrl = process.env.CELLS_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432';
  const url = withDatabase(pgUrl, `cells_bench_explain_${process.pid}_cell`);
  await ensureDatabase(url);
  try {
    await migrate(url, 'cell');
    await seedCell(url, fleetInstances(0, 10, count));
    const out: Record<string, unknown>[] = [];
    await withClient(`${url}?options=${encodeURIComponent(CONNECTION_OPTIONS)}`, async (client) => {
      const explain = async (label: string, sql: { text: string; values: unknown[] }) => {
        // Twice: the first warms the cache, the second is what a warm page costs.
        await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql.text}`, sql.values);
        const [
          {
            'QUERY PLAN': [plan],
          },
        ] = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql.text}`, sql.values)).rows;
        const top = plan.Plan;
        out.push({
          statement: label,
          executionMs: plan['Execution Time'],
          planningMs: plan['Planning Time'],
          rows: top['Actual Rows'],
          node: nodes(top),
          sharedHit: top['Shared Hit Blocks'],
          sharedRead: top['Shared Read Blocks'],
        });
      };
      for (const first of firsts) {
        const page = pageStatement(first, null, 'explain');
        await explain(`page first=${first}`, page);
        const uuids = (await client.query(page.text, page.values)).rows.slice(0, first).map((r) => r.uuid);
        for (const n of DETAIL_NESTED)
          await explain(`${n.table} (${uuids.length} uuids)`, nestedQuery(n.table, 'instance_uuid', n.options, uuids));
      }
    });
    console.log(JSON.stringify({ instances: count, statements: out }, null, 2));
  } finally {
    await dropDatabase(url);
  }
}

// The plan's node types, outermost first, with the index each scan used.
function nodes(plan: Record<string, any>): string {
  const name = `${plan['Node Type']}${plan['Index Name'] ? ` on ${plan['Index Name']}` : ''}`;
  const children = (plan.Plans ?? []) as Record<string, any>[];
  return children.length ? `${name} > ${children.map(nodes).join(', ')}` : name;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
