import { PrismaPg } from '@prisma/adapter-pg';
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
function adapter(url: string, options: PoolOptions): PrismaPg {
  const pool = new TracedPool({
    connectionString: url,
    options: CONNECTION_OPTIONS,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30000,
    ...(options.queryTimeoutMillis ? { query_timeout: options.queryTimeoutMillis } : {}),
  });
  return new PrismaPg(pool, { disposeExternalPool: true });
}

function logOptions(options: PoolOptions) {
  return options.onQuery ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {};
}

/** A Prisma client for the global API database. */
export function createApiClient(url: string, options: PoolOptions = {}): ApiClient {
  const client = new ApiPrismaClient({ adapter: adapter(url, options), ...logOptions(options) });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (client as unknown as QueryEmitter).$on('query', (event) => onQuery(event.query));
  }
  return client;
}

/** A Prisma client for one cell database. */
export function createCellClient(url: string, options: PoolOptions = {}): CellClient {
  const client = new CellPrismaClient({ adapter: adapter(url, options), ...logOptions(options) });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (client as unknown as QueryEmitter).$on('query', (event) => onQuery(event.query));
  }
  return client;
}

interface QueryEmitter {
  $on(event: 'query', listener: (event: { query: string }) => void): void;
}
