import { Client } from 'pg';

/**
 * Runs `fn` on one pg client of `url` and closes it. A connection ended under it (an
 * aborted run drops the bench's databases) rejects the pending query instead of
 * crashing the process with an unhandled 'error' event.
 */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
