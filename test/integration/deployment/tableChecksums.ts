import { Client } from 'pg';

/** Row count and an md5 over the sorted rows of every table in the database (migrations table left out). */
export async function tableChecksums(url: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename",
    );
    const sums: Record<string, string> = {};
    for (const { tablename } of tables.rows) {
      const row = await client.query<{ n: string; sum: string | null }>(
        `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum FROM "${tablename}" t`,
      );
      sums[tablename] = `${row.rows[0].n}:${row.rows[0].sum}`;
    }
    return sums;
  } finally {
    await client.end();
  }
}

/** Runs one query against `url` and returns its rows. */
export async function queryRows<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
