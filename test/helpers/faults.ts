import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { connect } from 'amqplib';
import { buildSchema, graphql } from 'graphql';
import { Client } from 'pg';
import { withDatabase } from '../../prisma/databaseUrl';
import { rabbitmqctl } from './rabbit';
import { TS_HOOK_ARGS } from '../../deployment/serverProcess';
import { testServices } from './services';

/**
 * Real faults for the fault matrix (test/integration/faults): PostgreSQL databases closed,
 * dropped, timed out and exhausted; a TCP proxy in front of PostgreSQL that refuses or
 * black-holes; an HTTP proxy in front of a cell subgraph that delays or answers wrongly;
 * servers run as child processes so kill, SIGSTOP and SIGCONT are real; broker-wide faults.
 * Every injector comes with its restore; callers restore in `finally` (see faults/scenario.ts).
 */

// ---------------------------------------------------------------- PostgreSQL

/** Runs `sql` on the maintenance database of the test server. */
export async function pgAdmin<T = unknown>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testServices.pgUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Closes every other session on database `name` (pg_terminate_backend). */
export async function terminateBackends(name: string): Promise<void> {
  await pgAdmin(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
}

/** `ALTER DATABASE … ALLOW_CONNECTIONS false` plus terminating its sessions; restore with openDatabase. */
export async function closeDatabase(name: string): Promise<void> {
  await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await terminateBackends(name);
}

export async function openDatabase(name: string): Promise<void> {
  await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
}

/**
 * Copies database `name` to `copy` (CREATE DATABASE … TEMPLATE), closing it for the
 * moment the copy needs it alone. The copy restores a dropped database later.
 */
export async function copyDatabase(name: string, copy: string): Promise<void> {
  await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  try {
    for (let attempt = 0; ; attempt++) {
      await terminateBackends(name);
      try {
        await pgAdmin(`CREATE DATABASE "${copy}" TEMPLATE "${name}"`);
        return;
      } catch (err) {
        // 55006: a session got in between terminating and copying.
        if ((err as { code?: string }).code !== '55006' || attempt > 20) throw err;
      }
    }
  } finally {
    await openDatabase(name);
  }
}

/** DROP DATABASE … WITH (FORCE). */
export async function dropDatabaseNow(name: string): Promise<void> {
  await pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** Re-creates `name` from `copy` (which holds its schema, migrations and rows) and drops the copy. */
export async function restoreDatabase(name: string, copy: string): Promise<void> {
  const exists = await pgAdmin('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.length === 0) await pgAdmin(`CREATE DATABASE "${name}" TEMPLATE "${copy}"`);
  await dropDatabaseNow(copy);
}

/** A session that holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` on `table` until released. */
export interface TableLock {
  release(): Promise<void>;
}

/** Locks `table` of database `name`, so every statement that reads it waits (a slow query on demand). */
export async function lockTable(name: string, table: string): Promise<TableLock> {
  const client = new Client({ connectionString: withDatabase(testServices.pgUrl, name) });
  await client.connect();
  await client.query('SET statement_timeout = 0');
  await client.query('BEGIN');
  await client.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
  return {
    release: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** Sets the database's statement_timeout for new sessions and closes the current ones. */
export async function setStatementTimeout(name: string, ms: number | null): Promise<void> {
  await pgAdmin(
    ms === null
      ? `ALTER DATABASE "${name}" RESET statement_timeout`
      : `ALTER DATABASE "${name}" SET statement_timeout = ${Math.floor(ms)}`,
  );
  await terminateBackends(name);
}

/** Sessions on database `name` waiting for a lock (to see that a pool is held). */
export async function lockWaiters(name: string): Promise<number> {
  const rows = await pgAdmin<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
    [name],
  );
  return Number(rows[0].n);
}

// ---------------------------------------------------------------- TCP proxy (in front of PostgreSQL)

/** forward: a plain pipe; refuse: the port is closed; blackhole: connections are accepted and nothing comes back. */
export type TcpMode = 'forward' | 'refuse' | 'blackhole';

export interface TcpProxy {
  port: number;
  /** `url` with host and port replaced by the proxy's. */
  via(url: string): string;
  set(mode: TcpMode): Promise<void>;
  close(): Promise<void>;
}

interface Pipe {
  client: net.Socket;
  upstream: net.Socket | null;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/**
 * A TCP proxy to `host:port` whose mode changes under live connections. Black-holed
 * traffic is held, not dropped: when the mode goes back to forward it flows again, as
 * after a network partition heals.
 */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  let mode: TcpMode = 'forward';
  const pipes = new Set<Pipe>();
  const connectUpstream = (pipe: Pipe) => {
    const upstream = net.connect(port, host);
    pipe.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => (mode === 'forward' ? pipe.client.write(chunk) : pipe.toClient.push(chunk)));
    upstream.on('error', () => undefined);
    upstream.on('close', () => pipe.client.destroy());
    for (const chunk of pipe.toUpstream.splice(0)) upstream.write(chunk);
  };
  const server = net.createServer((client) => {
    const pipe: Pipe = { client, upstream: null, toUpstream: [], toClient: [] };
    pipes.add(pipe);
    client.on('data', (chunk: Buffer) =>
      mode === 'forward' && pipe.upstream ? pipe.upstream.write(chunk) : pipe.toUpstream.push(chunk),
    );
    client.on('error', () => undefined);
    client.on('close', () => {
      pipe.upstream?.destroy();
      pipes.delete(pipe);
    });
    if (mode === 'forward') connectUpstream(pipe);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const own = (server.address() as AddressInfo).port;
  const dropAll = () => pipes.forEach((pipe) => (pipe.client.destroy(), pipe.upstream?.destroy()));
  return {
    port: own,
    via: (url) => {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(own);
      return parsed.toString();
    },
    async set(next) {
      if (next === mode) return;
      const previous = mode;
      mode = next;
      if (next === 'refuse') {
        dropAll();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        return;
      }
      if (previous === 'refuse') await new Promise<void>((resolve) => server.listen(own, '127.0.0.1', resolve));
      if (next === 'forward') {
        for (const pipe of pipes) {
          if (!pipe.upstream) connectUpstream(pipe);
          else for (const chunk of pipe.toUpstream.splice(0)) pipe.upstream.write(chunk);
          for (const chunk of pipe.toClient.splice(0)) pipe.client.write(chunk);
        }
      }
    },
    async close() {
      dropAll();
      if (mode !== 'refuse') await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- HTTP proxy (in front of a cell subgraph)

/**
 * How the proxy answers: forward, forward late, forward at once but answer late (what
 * the upstream read now arrives `ms` later), HTTP 500, a body that is not JSON, or
 * another schema.
 */
export type HttpMode =
  | { kind: 'forward' }
  | { kind: 'delay'; ms: number }
  | { kind: 'answerLate'; ms: number }
  | { kind: 'status500' }
  | { kind: 'nonJson' }
  | { kind: 'otherSchema' };

export interface HttpFaultProxy {
  url: string;
  set(mode: HttpMode): void;
  /** Answers read from the upstream and not yet sent (`answerLate`). */
  held(): number;
  close(): Promise<void>;
}

// A real GraphQL server of another schema: queries of the cell schema fail validation.
const OTHER_SDL = 'type Query { hello: String }';
const OTHER_SCHEMA = buildSchema(
  `${OTHER_SDL}\ntype _Service { sdl: String }\nextend type Query { _service: _Service }`,
);

/** An HTTP proxy to `target` (a cell subgraph's /graphql) whose answers can be made wrong. */
export async function startHttpFaultProxy(target: string): Promise<HttpFaultProxy> {
  let mode: HttpMode = { kind: 'forward' };
  let held = 0;
  const forward = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, holdMs = 0) => {
    try {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      const upstream = await fetch(target, {
        method: req.method,
        headers,
        body: req.method === 'GET' ? undefined : body,
      });
      const answer = Buffer.from(await upstream.arrayBuffer());
      if (holdMs) {
        held++;
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        held--;
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(answer);
    } catch {
      res.destroy();
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const current = mode;
      switch (current.kind) {
        case 'forward':
          return void forward(req, body, res);
        case 'delay': {
          const timer = setTimeout(() => void forward(req, body, res), current.ms);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'answerLate':
          return void forward(req, body, res, current.ms);
        case 'status500':
          res.writeHead(500, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ errors: [{ message: 'Internal Server Error' }] }));
        case 'nonJson':
          res.writeHead(200, { 'content-type': 'text/html' });
          return void res.end('<html><body>502 Bad Gateway</body></html>');
        case 'otherSchema':
          return void answerOtherSchema(body, res);
        default: {
          const never: never = current;
          throw new Error(`unknown mode ${JSON.stringify(never)}`);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    set: (next) => {
      mode = next;
      server.closeIdleConnections();
    },
    held: () => held,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function answerOtherSchema(body: Buffer, res: http.ServerResponse): Promise<void> {
  let request: { query?: string; variables?: Record<string, unknown> } = {};
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    // An empty or broken body: graphql() reports it below.
  }
  const result = await graphql({
    schema: OTHER_SCHEMA,
    source: request.query ?? '',
    variableValues: request.variables,
    rootValue: { hello: 'world', _service: { sdl: OTHER_SDL } },
  });
  const failed = !result.data && result.errors?.length;
  res.writeHead(failed ? 400 : 200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify(
      failed
        ? {
            errors: result.errors!.map((e) => ({
              message: e.message,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            })),
          }
        : result,
    ),
  );
}

// ---------------------------------------------------------------- servers as child processes

/** Whether a process with this pid is still there (signal 0: nothing is sent). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ChildServer {
  port: number;
  url: string;
  readonly pid: number | undefined;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the socket stays open and accepts, nothing answers. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Starts the process again (same script, port and environment) and waits until it answers. */
  start(): Promise<void>;
  /** SIGCONT then SIGTERM (SIGKILL after 5 s); safe to call twice. */
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));

/** A free TCP port on loopback (for a child that must keep its port across restarts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Runs `node --require tsx/cjs <script> <args>` (one process, as npm start runs a server, so signals reach the server itself) from the repository root with `env` on top of this
 * process's environment; answers once `http://127.0.0.1:<port>/healthz` does.
 */
export async function startChildServer(
  script: string,
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<ChildServer> {
  let child: ChildProcess | null = null;
  let output = '';
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const waitExit = () =>
    exited() ? Promise.resolve() : new Promise<void>((resolve) => child!.once('exit', () => resolve()));
  const server: ChildServer = {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    get pid() {
      return child?.pid;
    },
    async start() {
      output = '';
      const started = spawn(process.execPath, [...TS_HOOK_ARGS, script, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      live.add(started);
      started.once('exit', () => live.delete(started));
      const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
      started.stdout!.on('data', keep);
      started.stderr!.on('data', keep);
      const deadline = Date.now() + 30000;
      while (Date.now() < deadline) {
        if (exited()) throw new Error(`${script} exited before answering: ${output}`);
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${script} did not answer on port ${port} within 30 s: ${output}`);
    },
    async kill() {
      child?.kill('SIGKILL');
      await waitExit();
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    async stop() {
      if (exited()) return;
      child!.kill('SIGCONT');
      child!.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await waitExit();
      clearTimeout(timer);
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------- RabbitMQ

/** `rabbitmqctl stop_app`: every connection of every vhost drops and nothing connects. */
export async function stopBroker(): Promise<void> {
  await rabbitmqctl('stop_app');
}

/** `rabbitmqctl start_app`, then waits until AMQP connections work again. */
export async function startBroker(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup').catch(() => undefined);
  for (let i = 0; i < 100; i++) {
    const ok = await connect(testServices.amqpUrl).then(
      (c) => c.close().then(() => true),
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('RabbitMQ did not accept connections after start_app');
}

/** The memory alarm: a watermark so low that the broker blocks every publishing connection; waits until it is raised. */
export async function raiseMemoryAlarm(): Promise<void> {
  await rabbitmqctl('set_vm_memory_high_watermark', '0.0000001');
  await untilAlarms((alarms) => alarms.length > 0, 'raised');
}

export async function clearMemoryAlarm(): Promise<void> {
  await rabbitmqctl('set_vm_memory_high_watermark', '0.4');
  await untilAlarms((alarms) => alarms.length === 0, 'cleared');
}

// The memory monitor acts on its next check, not on the command: wait for `status` to say so.
async function untilAlarms(done: (alarms: unknown[]) => boolean, what: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const status = JSON.parse(await rabbitmqctl('status', '--formatter', 'json')) as { alarms?: unknown[] };
    if (done(status.alarms ?? [])) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the memory alarm was not ${what}`);
}

/** Deletes queue `queue` of the vhost `amqpUrl` points at. */
export async function deleteQueue(amqpUrl: string, queue: string): Promise<void> {
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Takes every message off `queue` and answers their bodies (to compare with what was recorded). */
export async function drainQueue(amqpUrl: string, queue: string): Promise<Record<string, unknown>[]> {
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const bodies: Record<string, unknown>[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true }).catch(() => false as const);
      if (!message) return bodies;
      bodies.push(JSON.parse(message.content.toString('utf8')));
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
