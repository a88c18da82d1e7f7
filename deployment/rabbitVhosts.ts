import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NO_TRANSPORT } from '../cellsAdmin';

const run = promisify(execFile);

/** The vhost and user an amqp URL names ("/" when it has no path). */
export function vhostOf(transportUrl: string): { vhost: string; user: string } {
  const parsed = new URL(transportUrl);
  return {
    vhost: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '/',
    user: decodeURIComponent(parsed.username) || 'guest',
  };
}

/**
 * Makes sure each transport's vhost exists and its user may configure, write and
 * read everything in it. Returns the vhosts it created. Uses rabbitmqctl, which
 * needs to run where the broker runs (the default deployment's machine).
 */
export async function ensureVhosts(rabbitmqctl: string, transportUrls: string[]): Promise<string[]> {
  const ctl = async (...args: string[]) => (await run(rabbitmqctl, ['-q', ...args], { timeout: 60_000 })).stdout;
  const wanted = transportUrls.filter((url) => url !== NO_TRANSPORT).map(vhostOf);
  if (wanted.length === 0) return [];
  let existing: Set<string>;
  try {
    existing = new Set(
      (await ctl('list_vhosts', 'name'))
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    );
  } catch (err) {
    throw new Error(`cannot run ${rabbitmqctl} (set CELLS_RABBITMQCTL): ${(err as Error).message.split('\n')[0]}`);
  }
  const created: string[] = [];
  for (const { vhost, user } of wanted) {
    if (!existing.has(vhost)) {
      await ctl('add_vhost', vhost);
      created.push(vhost);
      existing.add(vhost);
    }
    await ctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  }
  return created;
}
