import { randomUUID } from 'node:crypto';
import { createCell, updateCell } from '../cellsAdmin';
import { signToken } from '../gateway/auth';
import type { GatewayConfig } from '../gateway/config';
import type { ResultShaping } from '../gateway/resultShaping';
import { startGateway, type RunningGateway } from '../gateway/server';
import { createApiClient, type ApiClient } from '../prisma/clients';
import { withDatabase } from '../prisma/databaseUrl';
import { dropDatabase, ensureDatabase, withMaintenance } from '../prisma/databases';
import { migrate } from '../prisma/migrate';
import { startGlobalSubgraph, type RunningGlobalSubgraph } from '../subgraphs/global/server';
import { internal, post } from './client';
import { hostCells, type HostedCell } from './hostedCell';
import { LIST_DETAIL_DIRECT } from './queries';
import type { CellExecution } from '../subgraphs/cell/jitExecution';
import { CELL_POOL_IDLE_MS, type Hosting } from './options';
import type { BenchInstance } from './rows';
import { seedFlavors, seedMappings } from './seedApi';
import { seedCell } from './seedCell';

export const BENCH_SECRET = 'bench-internal-secret';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef';

// Gateways the bench starts use the production defaults except where a scenario says.
export const DEFAULT_CELL_TIMEOUT_MS = 5000;

/** One cell of a bench fleet: its mapping, database and hosted subgraph. */
export interface FleetCell {
  uuid: string;
  name: string;
  mappingId: number;
  databaseUrl: string;
  subgraph: HostedCell;
  rows: readonly BenchInstance[];
}

/** A global subgraph, C cells and a gateway over throw-away `cells_bench_` databases. */
export interface Fleet {
  label: string;
  api: ApiClient;
  apiUrl: string;
  /** Each cell subgraph's database pool, and how long its connections stay open unused. */
  cellPoolMax: number;
  cellPoolIdleMs: number;
  global: RunningGlobalSubgraph;
  globalStatements: { count: number };
  cells: FleetCell[];
  gateway: RunningGateway;
  adminToken: string;
  seeding: { cellsMs: number; mappingsMs: number; instances: number };
  /** Another gateway over the same global subgraph, e.g. with a shorter cell timeout. */
  startGateway(cellTimeoutMs: number, overrides?: Partial<GatewayConfig>): Promise<RunningGateway>;
  /** Points a cell's mapping at another subgraph URL (and back). */
  repoint(cell: FleetCell, graphqlUrl: string): Promise<void>;
  close(): Promise<void>;
}

export interface FleetSpec {
  /** Short tag in the database names, e.g. `f` (the fleet) or `one` (one big cell). */
  label: string;
  cellRows: BenchInstance[][];
  hosting: Hosting;
  pgUrl: string;
  /** Each cell subgraph's database pool (bench/poolBudget.ts). */
  cellPoolMax: number;
  /** --cell-execution; unset: jit, the cell subgraph's default. */
  cellExecution?: CellExecution;
  /** --result-shaping; unset: compiled, the gateway's default. */
  resultShaping?: ResultShaping;
  /** --cell-pool-idle-ms; unset: CELL_POOL_IDLE_MS. */
  cellPoolIdleMs?: number;
  /** --user-data-bytes; unset: no user_data. */
  userDataBytes?: number;
}

/** Gateway settings for the bench: the production defaults, caches large enough for every mapping. */
export function benchGatewayConfig(
  globalUrl: string,
  cellTimeoutMs: number,
  cells: number,
  resultShaping: ResultShaping = 'compiled',
): GatewayConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    globalUrl,
    internalSecret: BENCH_SECRET,
    jwt: { secret: JWT_SECRET },
    cellTimeoutMs,
    cellRefreshMs: 600000,
    mappingCacheTtlMs: 600000,
    mappingCacheMax: 1000000,
    maxFirst: 1000,
    maxDepth: 12,
    // The gateway's estimate multiplies a list by the cells it reaches: list-1000-detail
    // counts about 49,000 per cell (2.45 million at 50 cells, refused under 1,000,000).
    maxComplexity: 100000 * Math.max(cells, 10),
    maxBodyBytes: 1024 * 1024,
    logLevel: 'silent',
    resultShaping,
  };
}

/**
 * Creates and seeds the databases, starts the global subgraph, the cell subgraphs and
 * a gateway. On any failure everything created so far is stopped and dropped.
 */
export async function startFleet(spec: FleetSpec): Promise<Fleet> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    return await build(spec, cleanups, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function build(
  spec: FleetSpec,
  cleanups: (() => Promise<unknown>)[],
  cleanup: () => Promise<void>,
): Promise<Fleet> {
  const dbUrl = (suffix: string) => withDatabase(spec.pgUrl, `cells_bench_${spec.label}_${process.pid}_${suffix}`);
  const cellPoolIdleMs = spec.cellPoolIdleMs ?? CELL_POOL_IDLE_MS;
  const createDb = async (url: string, kind: 'api' | 'cell') => {
    await ensureDatabase(url);
    cleanups.push(() => dropDatabase(url));
    await migrate(url, kind);
  };

  const apiUrl = dbUrl('api');
  await createDb(apiUrl, 'api');
  await seedFlavors(apiUrl);
  const api = createApiClient(apiUrl);
  cleanups.push(() => api.$disconnect());

  // Two cells load at a time: PostgreSQL has two cores to give.
  const cellUrls = spec.cellRows.map((_, i) => dbUrl(`cell${i}`));
  const started = performance.now();
  await inPairs(cellUrls, async (url, i) => {
    await createDb(url, 'cell');
    await seedCell(url, spec.cellRows[i], { userDataBytes: spec.userDataBytes });
  });
  const cellsMs = performance.now() - started;

  const globalStatements = { count: 0 };
  const global = await startGlobalSubgraph({
    apiDatabaseUrl: apiUrl,
    port: 0,
    host: '127.0.0.1',
    internalSecret: BENCH_SECRET,
    onQuery: () => globalStatements.count++,
  });
  cleanups.push(() => global.close());

  const names = spec.cellRows.map((_, i) => `${spec.label}-cell${i + 1}`);
  const specs = names.map((cellName, i) => ({
    cellUuid: randomUUID(),
    cellName,
    databaseUrl: cellUrls[i],
    internalSecret: BENCH_SECRET,
    poolMax: spec.cellPoolMax,
    poolIdleMs: cellPoolIdleMs,
    execution: spec.cellExecution ?? 'jit',
  }));
  const subgraphs = await hostCells(specs, spec.hosting);
  for (const subgraph of subgraphs) cleanups.push(() => subgraph.close());
  const cells: FleetCell[] = [];
  let mappingsMs = 0;
  for (const [i, rows] of spec.cellRows.entries()) {
    const { cellUuid: uuid, cellName: name } = specs[i];
    const subgraph = subgraphs[i];
    await warm(subgraph.url);
    const mapping = await createCell(api, {
      uuid,
      name,
      databaseConnection: cellUrls[i],
      transportUrl: 'none:///',
      graphqlUrl: subgraph.url,
    });
    const mapStarted = performance.now();
    await seedMappings(apiUrl, mapping.id, rows);
    mappingsMs += performance.now() - mapStarted;
    cells.push({ uuid, name, mappingId: mapping.id, databaseUrl: cellUrls[i], subgraph, rows });
  }

  await checkpoint(spec.pgUrl);
  const gateways: RunningGateway[] = [];
  const launch = async (timeoutMs: number, overrides: Partial<GatewayConfig> = {}) => {
    const gateway = await startGateway({
      ...benchGatewayConfig(global.url, timeoutMs, spec.cellRows.length, spec.resultShaping),
      ...overrides,
    });
    gateways.push(gateway);
    cleanups.push(() => gateway.close());
    return gateway;
  };
  const gateway = await launch(DEFAULT_CELL_TIMEOUT_MS);
  const adminToken = await signToken({
    projectId: 'admin-project',
    userId: 'bench-admin',
    roles: ['admin', 'member'],
    secret: JWT_SECRET,
  });

  return {
    label: spec.label,
    api,
    apiUrl,
    cellPoolMax: spec.cellPoolMax,
    cellPoolIdleMs,
    global,
    globalStatements,
    cells,
    gateway,
    adminToken,
    seeding: {
      cellsMs: Math.round(cellsMs),
      mappingsMs: Math.round(mappingsMs),
      instances: spec.cellRows.reduce((n, rows) => n + rows.length, 0),
    },
    startGateway: launch,
    repoint: async (cell, graphqlUrl) => {
      await updateCell(api, cell.uuid, { graphqlUrl });
      await Promise.all(gateways.map((g) => g.directory.refresh()));
    },
    close: cleanup,
  };
}

/**
 * Writes the bulk load's dirty pages out now: otherwise the checkpointer flushes them
 * while the first scenario runs, and list-1000-detail (first) measured 283 ms p50
 * where list-1000-next-page (the same work, second) measured 244 ms. Needs a superuser
 * (or pg_checkpoint); without one the bench goes on and says so.
 */
async function checkpoint(pgUrl: string): Promise<void> {
  await withMaintenance(pgUrl, (client) => client.query('CHECKPOINT')).catch((err) => {
    process.stderr.write(
      `[bench] CHECKPOINT refused (${(err as Error).message}); the first scenario may see the load being flushed\n`,
    );
  });
}

/**
 * One small page straight to a new cell subgraph, untimed and without a deadline: a
 * child process (`--hosting processes`) loads most of its modules on its first request,
 * which on a loaded 2-core machine took longer than the gateway's 5 s cell timeout, so
 * the first scenario's first request failed with every cell TIMEOUT.
 */
async function warm(url: string): Promise<void> {
  const answer = await post(url, internal(BENCH_SECRET), LIST_DETAIL_DIRECT, { first: 1 });
  if (answer.status !== 200 || answer.body.errors?.length)
    throw new Error(`cell subgraph ${url} did not answer its warm-up page: HTTP ${answer.status}`);
}

/**
 * Drops every database this process's fleets created, whether or not their setup
 * finished: what an interrupted run (Ctrl-C while seeding) would otherwise leave behind.
 */
export async function dropOwnDatabases(pgUrl: string): Promise<string[]> {
  const found = await withMaintenance(pgUrl, (client) =>
    client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `cells\\_bench\\_%\\_${process.pid}\\_%`,
    ]),
  );
  for (const { datname } of found.rows) await dropDatabase(withDatabase(pgUrl, datname));
  return found.rows.map((r) => r.datname);
}

async function inPairs<T>(items: T[], fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all([worker(), worker()]);
}
