import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as ApiPrismaClient } from './api/generated/client';
import { PrismaClient as CellPrismaClient } from './cell/generated/client';
import { TracedPool } from './tracedPool';

export { ApiPrismaClient, CellPrismaClient };
export type ApiClient = InstanceType<typeof ApiPrismaClient>;
export type CellClient = InstanceType<typeof CellPrismaClient>;

/** Pool options for one database; the defaults suit a subgraph on a 2-core machine. */
export interface PoolOptions {
  max?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  /** Client-side deadline of one statement (pg's query_timeout); unset: none. */
  queryTimeoutMillis?: number;
  /** Called once per SQL statement sent; tests and benchmarks count with it. */
  onQuery?: (sql: string) => void;
}

/**
 * Sent with every connection: random_page_cost 1.1 (PostgreSQL's default of 4 models
 * spinning disks). A page's nested look-ups (`instance_uuid = ANY(111 uuids)`) then use
 * the instance_uuid indexes: with the default the planner seq-scanned a cell's 20,000
 * metadata rows instead (3.5 ms against 0.6 ms per statement at 10,000 instances).
 */
export const CONNECTION_OPTIONS = '-c random_page_cost=1.1';

// The pool is ours (TracedPool: one span per statement when tracing is on); Prisma ends it on $disconnect.
function adapter(pool: TracedPool): PrismaPg {
  return new PrismaPg(pool, { disposeExternalPool: true });
}

function tracedPool(url: string, options: PoolOptions): TracedPool {
  const pool = new TracedPool({
    connectionString: url,
    options: CONNECTION_OPTIONS,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30000,
    ...(options.queryTimeoutMillis ? { query_timeout: options.queryTimeoutMillis } : {}),
  });
  // An idle connection the server ends (a restart, pg_terminate_backend) is dropped by the
  // pool, and the next statement reports the failure. Prisma listens from its first
  // statement; readRows may run before it does, and an 'error' nobody hears ends the process.
  pool.on('error', () => undefined);
  return pool;
}

function logOptions(options: PoolOptions) {
  return options.onQuery ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {};
}

// Prisma's query events (logOptions asked for them) to the caller's statement hook.
function hearQueries<T>(client: T, options: PoolOptions): T {
  const onQuery = options.onQuery;
  if (onQuery) (client as unknown as QueryEmitter).$on('query', (event) => onQuery(event.query));
  return client;
}

/** A Prisma client for the global API database. */
export function createApiClient(url: string, options: PoolOptions = {}): ApiClient {
  return hearQueries(
    new ApiPrismaClient({ adapter: adapter(tracedPool(url, options)), ...logOptions(options) }),
    options,
  );
}

/** A Prisma client for one cell database. */
export function createCellClient(url: string, options: PoolOptions = {}): CellClient {
  const pool = tracedPool(url, options);
  const client = hearQueries(new CellPrismaClient({ adapter: adapter(pool), ...logOptions(options) }), options);
  POOLS.set(client, { pool, onQuery: options.onQuery });
  return client;
}

interface QueryEmitter {
  $on(event: 'query', listener: (event: { query: string }) => void): void;
}

// A cell client's own pool and statement hook, for readRows.
const POOLS = new WeakMap<CellClient, { pool: TracedPool; onQuery?: (sql: string) => void }>();

// Prisma reads a `timestamp` (without time zone) as UTC; pg's own parser would read it in the process's zone.
const TIMESTAMP_OID = 1114;
const utcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const ROW_TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_OID ? utcTimestamp : pg.types.getTypeParser(oid, format),
};

/**
 * Runs one read-only statement of a cell on the client's own pool, past Prisma's raw-query
 * path: on a small page (a dashboard's 50 rows) Prisma's per-statement work was about a
 * fifth of the cell's CPU. The rows are pg's, each column as `$queryRaw` gives it (integers,
 * booleans and text alike; `timestamp` as a UTC Date, as Prisma reads it); statements are
 * counted by `onQuery` and traced as Prisma's are, and errors are pg's own, which
 * domain/databaseFailure.ts reads by SQLSTATE, socket code or pg's fixed pool messages as
 * it reads them under Prisma's.
 */
export async function readRows(
  client: CellClient,
  sql: { text: string; values: unknown[] },
): Promise<Record<string, unknown>[]> {
  const own = POOLS.get(client);
  if (!own) throw new Error('readRows: not a client made by createCellClient');
  own.onQuery?.(sql.text);
  const result = await own.pool.query({ text: sql.text, values: sql.values, types: ROW_TYPES });
  return result.rows as Record<string, unknown>[];
}
