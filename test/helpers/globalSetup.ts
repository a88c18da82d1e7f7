import { Client } from 'pg';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Socket } from 'node:net';
import { TEST_PREFIX, testServices } from './services';

const run = promisify(execFile);

/** Fails fast with a clear message when a service is down, and drops leftovers of dead runs. */
export default async function globalSetup(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const pg = new Client({ connectionString: testServices.pgUrl, connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not answering at ${testServices.pgUrl}: ${(err as Error).message}`);
  }
  try {
    const stale = await pg.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${TEST_PREFIX}%`,
    ]);
    for (const { datname } of stale.rows) {
      if (!ownerAlive(datname)) await pg.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await pg.end();
  }
  const amqp = new URL(testServices.amqpUrl);
  await probe(amqp.hostname, Number(amqp.port || 5672)).catch((err) => {
    throw new Error(`RabbitMQ is not answering at ${amqp.host}: ${(err as Error).message}`);
  });
  const vhosts = await run(testServices.rabbitmqctl, ['-q', 'list_vhosts', 'name']).catch(() => ({ stdout: '' }));
  for (const vhost of vhosts.stdout.split('\n').map((line) => line.trim())) {
    if (vhost.startsWith(TEST_PREFIX) && !ownerAlive(vhost)) {
      await run(testServices.rabbitmqctl, ['-q', 'delete_vhost', vhost]).catch(() => undefined);
    }
  }
}

// Names carry the creating process's pid right after the prefix.
function ownerAlive(name: string): boolean {
  const pid = Number(name.slice(TEST_PREFIX.length).split('_')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function probe(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timed out'));
    });
    socket.once('error', reject);
    socket.connect(port, host);
  });
}
