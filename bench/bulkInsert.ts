import type { Client } from 'pg';

/** A column of a bulk insert: its name, its PostgreSQL array element type, and a value per row. */
export interface Column<R> {
  name: string;
  type: string;
  value: (row: R) => unknown;
}

// Rows per statement: large enough that a table loads in a few statements, small
// enough that one statement's arrays stay a few megabytes.
const BATCH = 5000;

/**
 * Inserts `rows` into `table` as `INSERT ... SELECT * FROM unnest($1::t[], ...)`: one
 * statement per 5000 rows with one array parameter per column, so the parameter count
 * never depends on the row count. Runs on the caller's client (its transaction).
 */
export async function bulkInsert<R>(
  client: Client,
  table: string,
  columns: Column<R>[],
  rows: readonly R[],
): Promise<void> {
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const sql = `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${arrays})`;
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    await client.query(
      sql,
      columns.map((c) => batch.map(c.value)),
    );
  }
}
