import { createApiClient, createCellClient, type ApiClient, type CellClient } from '../../prisma/clients';
import { createCell } from '../../cellsAdmin';
import { startCellSubgraph, type CellSubgraphOptions, type RunningCellSubgraph } from '../../subgraphs/cell/server';
import { startGlobalSubgraph, type RunningGlobalSubgraph } from '../../subgraphs/global/server';
import { signToken } from '../../gateway/auth';
import type { GatewayConfig } from '../../gateway/config';
import { startGateway, type RunningGateway } from '../../gateway/server';
import type { Logger } from '../../infrastructure/logger';
import { createTestDatabase, type TestDatabase } from './databases';
import { createTestVhost, type TestVhost } from './rabbit';

export const TEST_SECRET = 'test-internal-secret';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789';

/** One cell of a test topology: its database, optional vhost, and its subgraph process. */
export interface TestCell {
  uuid: string;
  name: string;
  db: TestDatabase;
  vhost?: TestVhost;
  prisma: CellClient;
  subgraph?: RunningCellSubgraph;
  port: number;
  /** SQL statements this cell's subgraph sent since the last reset. */
  statements: number;
  /** Starts (or restarts, on the same port) the cell's subgraph; overrides e.g. point it at a dead database. */
  start(overrides?: Partial<CellSubgraphOptions>): Promise<void>;
  stop(): Promise<void>;
}

export interface Topology {
  api: ApiClient;
  apiDb: TestDatabase;
  global: RunningGlobalSubgraph;
  cells: TestCell[];
  gateway: RunningGateway;
  /** The gateway's configuration (a test starts a second gateway, a replica, from it). */
  gatewayConfig: GatewayConfig;
  globalStatements: { count: number };
  token(projectId: string, options?: { admin?: boolean; userId?: string }): Promise<string>;
  /** POSTs a GraphQL request to the gateway. */
  // The body stays loosely typed: tests assert its shape.
  query(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: any }>;
  /** Adds and starts a cell; `register` creates its mapping (default: the cells library). */
  addCell(name: string, register?: Register): Promise<TestCell>;
  stop(): Promise<void>;
}

/** Creates a cell mapping for the given URLs and answers its uuid. */
export type Register = (input: {
  name: string;
  databaseConnection: string;
  transportUrl: string;
  graphqlUrl: string;
}) => Promise<string>;

export interface TopologyOptions {
  cells?: string[];
  /** Give each cell a RabbitMQ vhost (actions need it; lists don't). */
  queues?: boolean;
  gateway?: Partial<GatewayConfig>;
  /** Where every server logs (default: nowhere); the fuzzer reads the originals of internal errors here. */
  logger?: Logger;
}

/** Starts a real global subgraph, cell subgraphs and a gateway on port 0 over throw-away databases. */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const apiDb = await createTestDatabase('api', 'topo_api');
  const api = createApiClient(apiDb.url);
  const globalStatements = { count: 0 };
  const global = await startGlobalSubgraph({
    apiDatabaseUrl: apiDb.url,
    port: 0,
    internalSecret: TEST_SECRET,
    onQuery: () => globalStatements.count++,
    logger: options.logger,
  });
  const cells: TestCell[] = [];

  const byLibrary: Register = async (input) => (await createCell(api, input)).uuid;
  const addCell = async (name: string, register: Register = byLibrary): Promise<TestCell> => {
    const db = await createTestDatabase('cell', `topo_${name}`);
    const vhost = options.queues ? await createTestVhost(name) : undefined;
    const cell: TestCell = {
      uuid: '',
      name,
      db,
      vhost,
      prisma: createCellClient(db.url),
      port: 0,
      statements: 0,
      async start(overrides = {}) {
        cell.subgraph = await startCellSubgraph({
          cellUuid: cell.uuid,
          cellName: name,
          databaseUrl: db.url,
          transportUrl: vhost?.url ?? 'none:///',
          port: cell.port,
          internalSecret: TEST_SECRET,
          onQuery: () => cell.statements++,
          publishTimeoutMs: 2000,
          logger: options.logger,
          ...overrides,
        });
        cell.port = cell.subgraph.port;
      },
      async stop() {
        await cell.subgraph?.close();
        cell.subgraph = undefined;
      },
    };
    // The mapping needs the subgraph's URL and the subgraph its cell's uuid: start it
    // under a provisional uuid to learn its port, then restart it on that port.
    cell.uuid = '00000000-0000-0000-0000-000000000001';
    await cell.start();
    const url = cell.subgraph!.url;
    await cell.stop();
    cell.uuid = await register({
      name,
      databaseConnection: db.url,
      transportUrl: vhost?.url ?? 'none:///',
      graphqlUrl: url,
    });
    await cell.start();
    cells.push(cell);
    return cell;
  };

  for (const name of options.cells ?? ['cell1', 'cell2']) await addCell(name);
  const gatewayConfig: GatewayConfig = {
    port: 0,
    host: '127.0.0.1',
    globalUrl: global.url,
    internalSecret: TEST_SECRET,
    jwt: { secret: TEST_JWT_SECRET },
    cellTimeoutMs: 3000,
    cellRefreshMs: 60000,
    mappingCacheTtlMs: 60000,
    mappingCacheMax: 10000,
    maxFirst: 1000,
    maxDepth: 12,
    maxComplexity: 250000,
    maxBodyBytes: 1024 * 1024,
    logLevel: 'silent',
    ...options.gateway,
  };
  const gateway = await startGateway(gatewayConfig, options.logger);

  const topology: Topology = {
    api,
    apiDb,
    global,
    cells,
    gateway,
    gatewayConfig,
    globalStatements,
    token: (projectId, o = {}) =>
      signToken({
        projectId,
        userId: o.userId ?? `${projectId}-user`,
        roles: o.admin ? ['admin', 'member'] : ['member'],
        secret: TEST_JWT_SECRET,
      }),
    async query(query, variables = {}, token) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as any };
    },
    addCell,
    async stop() {
      await gateway.close();
      for (const cell of cells) {
        await cell.stop();
        await cell.prisma.$disconnect();
        await cell.db.drop();
        await cell.vhost?.drop();
      }
      await global.close();
      await api.$disconnect();
      await apiDb.drop();
    },
  };
  return topology;
}
