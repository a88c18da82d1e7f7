import { Client } from 'pg';
import { assertSafeIdentifier, databaseName, withDatabase } from './databaseUrl';

/** Creates the database `url` points at when it does not exist yet; returns true if it did. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = assertSafeIdentifier(databaseName(url));
  return withMaintenance(url, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      // Byte-order collation: keyset pages sort strings in SQL exactly as the gateway's
      // merge does in JavaScript (UTF-8 byte order), whatever the server's locale.
      await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'`);
    } catch (err) {
      // Two processes racing to create it: the loser sees duplicate_database.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
    return true;
  });
}

/** Drops the database `url` points at, closing anyone still connected. */
export async function dropDatabase(url: string): Promise<void> {
  const name = assertSafeIdentifier(databaseName(url));
  await withMaintenance(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Whether a database answers at `url` (used for readiness and the cells command). */
export async function databaseReachable(url: string, timeoutMs = 3000): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// CREATE/DROP DATABASE cannot run inside the target database itself.
/** Runs `fn` on a client of the server's `postgres` database (for CREATE/DROP DATABASE and the like). */
export async function withMaintenance<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
