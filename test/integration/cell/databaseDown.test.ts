import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import pino from 'pino';
import { withDatabase } from '../../../prisma/databaseUrl';
import { startCellSubgraph, type CellSubgraphOptions, type RunningCellSubgraph } from '../../../subgraphs/cell/server';
import { DATABASE_FAILURES, type DatabaseFailureReason } from '../../../domain/databaseFailure';
import { identityHeaders } from '../../../domain/identity';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { testServices } from '../../helpers/services';
import { admin, TEST_SECRET } from './support/graphqlClient';

const LIST = '{ instances { edges { cursor } } }';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  text: string;
}

/** A cell subgraph whose log lines are kept, and a way to ask it with a request id. */
async function startCell(databaseUrl: string, options: Partial<CellSubgraphOptions> = {}) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const subgraph = await startCellSubgraph({
    cellUuid: randomUUID(),
    cellName: 'faulty',
    databaseUrl,
    transportUrl: 'none:///',
    port: 0,
    internalSecret: TEST_SECRET,
    logger: pino({ level: 'info' }, sink),
    ...options,
  });
  const ask = async (query = LIST, requestId = randomUUID()): Promise<Answer> => {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...identityHeaders(admin(), TEST_SECRET, requestId) },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text), text };
  };
  return { subgraph, lines, ask };
}

// The answer a client may see: CELL_UNAVAILABLE, the cause's fixed message, nothing raw.
function expectUnavailable(answer: Answer, reason: DatabaseFailureReason, raw: string[]): void {
  expect(answer.status).toBe(200);
  expect(answer.body.errors).toEqual([
    {
      message: DATABASE_FAILURES[reason],
      path: ['instances'],
      locations: expect.any(Array),
      extensions: { code: 'CELL_UNAVAILABLE', reason },
    },
  ]);
  for (const text of [...raw, '127.0.0.1', 'prisma', 'Invalid', 'postgres']) expect(answer.text).not.toContain(text);
}

async function maintenance<T>(fn: (client: Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new Client({ connectionString: withDatabase(testServices.pgUrl, database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Holds an ACCESS EXCLUSIVE lock on `instances` until release(): every read of it waits. */
async function lockInstances(db: TestDatabase): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE instances IN ACCESS EXCLUSIVE MODE');
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  return { pid, release: async () => (await client.query('ROLLBACK'), await client.end()) };
}

// Waits until a backend of `db` other than `exceptPid` is blocked on a lock.
async function waitForLockWait(db: TestDatabase, exceptPid: number): Promise<number> {
  for (;;) {
    const { rows } = await maintenance((c) =>
      c.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND wait_event_type = 'Lock'", [
        db.name,
        exceptPid,
      ]),
    );
    if (rows.length) return rows[0].pid as number;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a cell whose database cannot be reached', () => {
  let db: TestDatabase;
  const running: RunningCellSubgraph[] = [];
  const start = async (url: string, options: Partial<CellSubgraphOptions> = {}) => {
    const cell = await startCell(url, options);
    running.push(cell.subgraph);
    return cell;
  };
  beforeAll(async () => {
    db = await createTestDatabase('cell', 'dbdown');
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    await maintenance((c) => c.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`)).catch(() => undefined);
    await db.drop();
  });

  it('still starts and answers its health check', async () => {
    const { subgraph } = await start('postgresql://postgres@127.0.0.1:1/cells_t_nothing');
    expect((await fetch(subgraph.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });

  it('says the database refuses connections when nothing listens', async () => {
    const { ask } = await start('postgresql://postgres@127.0.0.1:1/cells_t_nothing');
    expectUnavailable(await ask(), 'DB_REFUSED', ['cells_t_nothing', ':1/']);
  });

  it('says the database refuses connections when allow_connections is off, and logs the raw text with the request id', async () => {
    const { ask, lines } = await start(db.url);
    expect((await ask()).body.errors).toBeUndefined(); // the pool holds a live connection
    await maintenance(async (c) => {
      await c.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db.name]);
    });
    try {
      const requestId = randomUUID();
      expectUnavailable(await ask(LIST, requestId), 'DB_REFUSED', [db.name, '55000']);
      const logged = lines.find((line) => line.requestId === requestId);
      expect(logged).toMatchObject({ level: 40, reason: 'DB_REFUSED', msg: 'cell database unavailable' });
      expect(JSON.stringify(logged)).toContain('is not currently accepting connections');
      // instance(uuid) fails the same way.
      const single = await ask(`{ instance(uuid: "${randomUUID()}") { uuid } }`);
      expect(single.body.errors?.[0]).toMatchObject({
        message: DATABASE_FAILURES.DB_REFUSED,
        extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_REFUSED' },
      });
    } finally {
      await maintenance((c) => c.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`));
    }
  });

  it('says the database is missing when it does not exist', async () => {
    const url = withDatabase(db.url, `${db.name}_gone`);
    const { ask } = await start(url);
    expectUnavailable(await ask(), 'DB_MISSING', [`${db.name}_gone`, '3D000']);
  });

  it('says the database rejected the credentials for a role it does not know', async () => {
    const url = new URL(db.url);
    url.username = 'cells_t_nobody';
    const { ask } = await start(url.toString());
    expectUnavailable(await ask(), 'DB_AUTH_FAILED', ['cells_t_nobody', '28000']);
  });

  it('says the database has too many connections when the role is at its limit', async () => {
    const role = `cells_t_${process.pid}_limited`;
    await maintenance((c) => c.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`));
    try {
      const url = new URL(db.url);
      url.username = role;
      const { ask } = await start(url.toString());
      expectUnavailable(await ask(), 'DB_TOO_MANY_CONNECTIONS', [role, '53300']);
    } finally {
      await maintenance((c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it('says the connection was terminated when its backend is killed mid-query', async () => {
    const { ask } = await start(db.url);
    const lock = await lockInstances(db);
    try {
      const pending = ask();
      const blocked = await waitForLockWait(db, lock.pid);
      await maintenance((c) => c.query('SELECT pg_terminate_backend($1)', [blocked]));
      expectUnavailable(await pending, 'DB_TERMINATED', ['57P01', 'administrator command']);
    } finally {
      await lock.release();
    }
    expect((await ask()).body.errors).toBeUndefined(); // the pool opens a new connection
  });

  it('says the database did not answer in time when a statement times out', async () => {
    await maintenance((c) => c.query(`ALTER DATABASE ${db.name} SET statement_timeout = '300ms'`));
    const lock = await lockInstances(db);
    try {
      const { ask } = await start(db.url);
      expectUnavailable(await ask(), 'DB_TIMEOUT', ['57014', 'statement timeout']);
    } finally {
      await lock.release();
      await maintenance((c) => c.query(`ALTER DATABASE ${db.name} RESET statement_timeout`));
    }
  });

  it('says the pool is exhausted when every pooled connection stays busy', async () => {
    const { ask } = await start(db.url, { poolMax: 1 });
    const lock = await lockInstances(db);
    let first: Promise<Answer>;
    try {
      first = ask(); // holds the only connection, waiting on the lock
      await waitForLockWait(db, lock.pid);
      expectUnavailable(await ask(), 'DB_POOL_EXHAUSTED', ['timeout exceeded']);
    } finally {
      await lock.release();
    }
    expect((await first).body.errors).toBeUndefined();
  });

  it('says the database did not answer in time when its connect is never answered', async () => {
    const sockets = new Set<net.Socket>();
    const hole = net.createServer((socket) => void sockets.add(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    try {
      const { ask } = await start(
        `postgresql://postgres@127.0.0.1:${(hole.address() as net.AddressInfo).port}/cells_t_hole`,
      );
      expectUnavailable(await ask(), 'DB_TIMEOUT', ['cells_t_hole', 'Connection terminated']);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => hole.close(resolve));
    }
  });
});

describe('a cell whose database answers with an unexpected error', () => {
  let db: TestDatabase;
  let cell: Awaited<ReturnType<typeof startCell>>;
  beforeAll(async () => {
    db = await createTestDatabase('cell', 'dbdrift');
    // Schema drift: the column every page is ordered by is gone.
    await maintenance((c) => c.query('ALTER TABLE instances DROP COLUMN created_at CASCADE'), db.name);
    cell = await startCell(db.url);
  });
  afterAll(async () => {
    await cell.subgraph.close();
    await db.drop();
  });

  it('answers a fixed internal error and logs the raw text with the request id', async () => {
    const requestId = randomUUID();
    const answer = await cell.ask(LIST, requestId);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toEqual([
      {
        message: 'internal error in cell',
        path: ['instances'],
        locations: expect.any(Array),
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
      },
    ]);
    expect(answer.text).not.toMatch(/created_at|42703|queryRaw|Invalid/);
    const logged = cell.lines.find((line) => line.requestId === requestId);
    expect(logged).toMatchObject({ level: 50, msg: 'unexpected error in a cell resolver' });
    expect(JSON.stringify(logged)).toContain('created_at');
  });
});
