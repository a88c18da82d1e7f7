import { createCell, discoverHosts, mapCell0, registerComputeNode } from '../../../cellsAdmin';
import { createApiClient, createCellClient, type ApiClient, type CellClient } from '../../../prisma/clients';
import { signToken } from '../../../gateway/auth';
import type { GatewayConfig } from '../../../gateway/config';
import { startGateway, type RunningGateway } from '../../../gateway/server';
import { startCellSubgraph, type CellSubgraphOptions, type RunningCellSubgraph } from '../../../subgraphs/cell/server';
import {
  startGlobalSubgraph,
  type GlobalSubgraphOptions,
  type RunningGlobalSubgraph,
} from '../../../subgraphs/global/server';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import {
  freePort,
  startChildServer,
  startHttpFaultProxy,
  startTcpProxy,
  type ChildServer,
  type HttpFaultProxy,
  type TcpProxy,
} from '../../helpers/faults';
import { createTestVhost, type TestVhost } from '../../helpers/rabbit';
import { TEST_JWT_SECRET, TEST_SECRET } from '../../helpers/topology';

/** Per-cell and scheduler budgets short enough for the whole matrix to run in a few minutes. */
export const BUDGETS = {
  cellTimeoutMs: 1000,
  // A pool wait shorter than the cell timeout: an exhausted pool answers UNAVAILABLE, not TIMEOUT.
  poolTimeoutMs: 400,
  // A statement the database never answers fails in the cell before the gateway's cell timeout.
  queryTimeoutMs: 700,
  schedulerCellTimeoutMs: 800,
  // Room for a failed cell, the look at it (fence and reconcile) and the build in the next
  // cell on a loaded 2-core machine: at 3000 ms one clean CI run buried a vhost-deleted boot
  // in cell0 although the other cell was live.
  schedulerBudgetMs: 6000,
  publishTimeoutMs: 600,
  /** A cell subgraph's wait for a pooled connection and its deadline per statement: both below the cell timeout. */
  dbPoolTimeoutMs: 400,
  dbQueryTimeoutMs: 600,
  globalTimeoutMs: 4000,
  /** createServer's deadline at the gateway: above the scheduler's budget, so a boot trying alternates is never cut off. */
  globalMutationTimeoutMs: 7000,
  /** The gateway's circuits and the scheduler's memory of down cells. */
  circuit: { failures: 3, cooldownMs: 700 },
};

export interface CellPlan {
  name: string;
  /** Compute hosts (registered and discovered) with their RAM; the scheduler prefers the most free RAM. */
  hosts?: { host: string; memoryMb: number }[];
  /** A RabbitMQ vhost (actions and builds publish there). */
  queue?: boolean;
  /** Run the subgraph as a child process (`tsx subgraphs/cell/main.ts`), so kill and SIGSTOP are real. */
  child?: boolean;
  /** The mapping's database_connection goes through a TCP proxy (for refusing and black-holing). */
  dbProxy?: boolean;
  /** The mapping's graphql_url goes through an HTTP proxy (for slow and wrong answers). */
  httpProxy?: boolean;
  poolMax?: number;
  /** Override BUDGETS.dbQueryTimeoutMs (a cell whose pool a test holds with slow statements). */
  queryTimeoutMs?: number;
  /**
   * Override BUDGETS.poolTimeoutMs, which is also the deadline of a new connection's connect:
   * a cell that is never a victim gets room for a connect slowed by a loaded machine.
   */
  poolTimeoutMs?: number;
  cell0?: boolean;
}

export interface WorldCell {
  name: string;
  uuid: string;
  /** cell_mappings.id */
  id: number;
  db: TestDatabase;
  /** A client straight to the cell database (not through any proxy), for seeding and checking. */
  prisma: CellClient;
  vhost?: TestVhost;
  hosts: string[];
  dbProxy?: TcpProxy;
  httpProxy?: HttpFaultProxy;
  child?: ChildServer;
  subgraph?: RunningCellSubgraph;
}

export interface World {
  api: ApiClient;
  apiDb: TestDatabase;
  cells: WorldCell[];
  cell(name: string): WorldCell;
  globalUrl: string;
  globalChild?: ChildServer;
  gateway: RunningGateway;
  flavor: { id: string; name: string };
  token(projectId: string, admin?: boolean): Promise<string>;
  /** POSTs to the gateway; a request that takes longer than `timeoutMs` answers status 0 (a hang is a finding, not a stuck suite). */
  query(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    timeoutMs?: number,
  ): Promise<{ status: number; body: any }>;
  readyz(): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  cells: CellPlan[];
  /** Run the global subgraph as a child process. */
  globalChild?: boolean;
  gateway?: Partial<GatewayConfig>;
}

/**
 * A deployment for the fault matrix: an API database, cells with databases, vhosts and
 * compute nodes, a global subgraph, cell subgraphs (in this process or as children,
 * optionally behind proxies) and a gateway, all on loopback with short budgets.
 */
export async function startWorld(options: WorldOptions): Promise<World> {
  const apiDb = await createTestDatabase('api', 'fm_api');
  const api = createApiClient(apiDb.url, { max: 4 });
  const cells: WorldCell[] = [];
  let global: RunningGlobalSubgraph | undefined;
  let globalChild: ChildServer | undefined;
  let gateway: RunningGateway | undefined;
  const stop = async () => {
    await gateway?.close().catch(() => undefined);
    for (const cell of cells) {
      await cell.subgraph?.close().catch(() => undefined);
      await cell.child?.stop().catch(() => undefined);
      await cell.httpProxy?.close().catch(() => undefined);
      await cell.dbProxy?.close().catch(() => undefined);
    }
    await global?.close().catch(() => undefined);
    await globalChild?.stop().catch(() => undefined);
    for (const cell of cells) {
      await cell.prisma.$disconnect().catch(() => undefined);
      await cell.db.drop().catch(() => undefined);
      await cell.vhost?.drop().catch(() => undefined);
    }
    await api.$disconnect().catch(() => undefined);
    await apiDb.drop().catch(() => undefined);
  };
  try {
    for (const plan of options.cells) {
      const db = await createTestDatabase('cell', `fm_${plan.name}`);
      const vhost = plan.queue ? await createTestVhost(plan.name) : undefined;
      const dbProxy = plan.dbProxy
        ? await startTcpProxy(new URL(db.url).hostname, Number(new URL(db.url).port || 5432))
        : undefined;
      const port = await freePort();
      const direct = `http://127.0.0.1:${port}/graphql`;
      const httpProxy = plan.httpProxy ? await startHttpFaultProxy(direct) : undefined;
      const databaseConnection = dbProxy ? dbProxy.via(db.url) : db.url;
      const graphqlUrl = httpProxy?.url ?? direct;
      const transportUrl = vhost?.url ?? 'none:///';
      const mapping = plan.cell0
        ? (await mapCell0(api, { databaseConnection, graphqlUrl })).cell
        : await createCell(api, { name: plan.name, databaseConnection, transportUrl, graphqlUrl });
      const cell: WorldCell = {
        name: plan.name,
        uuid: mapping.uuid,
        id: mapping.id,
        db,
        prisma: createCellClient(db.url, { max: 2 }),
        vhost,
        hosts: [],
        dbProxy,
        httpProxy,
      };
      cells.push(cell);
      for (const host of plan.hosts ?? []) {
        await registerComputeNode(cell.prisma, { host: host.host, vcpus: 64, memoryMb: host.memoryMb, localGb: 1000 });
        cell.hosts.push(host.host);
      }
      if (plan.child) {
        const env = {
          CELLS_API_DATABASE_URL: apiDb.url,
          CELLS_INTERNAL_SECRET: TEST_SECRET,
          CELLS_CELL_PORT: String(port),
          CELLS_HOST: '127.0.0.1',
          CELLS_LOG_LEVEL: 'silent',
          CELLS_PUBLISH_TIMEOUT_MS: String(BUDGETS.publishTimeoutMs),
          CELLS_DB_POOL_MAX: String(plan.poolMax ?? 4),
          CELLS_DB_POOL_TIMEOUT_MS: String(plan.poolTimeoutMs ?? BUDGETS.poolTimeoutMs),
          CELLS_DB_QUERY_TIMEOUT_MS: String(plan.queryTimeoutMs ?? BUDGETS.queryTimeoutMs),
        };
        cell.child = await startChildServer('subgraphs/cell/main.ts', ['--cell', plan.name], env, port);
      } else {
        const subgraphOptions: CellSubgraphOptions = {
          cellUuid: mapping.uuid,
          cellName: plan.name,
          databaseUrl: databaseConnection,
          transportUrl,
          port,
          internalSecret: TEST_SECRET,
          publishTimeoutMs: BUDGETS.publishTimeoutMs,
          poolMax: plan.poolMax ?? 4,
          poolTimeoutMs: plan.poolTimeoutMs ?? BUDGETS.poolTimeoutMs,
          queryTimeoutMs: plan.queryTimeoutMs ?? BUDGETS.queryTimeoutMs,
        };
        cell.subgraph = await startCellSubgraph(subgraphOptions);
      }
    }
    await discoverHosts(api, { openCell: (url) => createCellClient(url, { max: 1 }) });
    const flavorRow = await api.instanceType.create({
      data: { name: 'm1.fault', flavorid: 'fault', vcpus: 1, memoryMb: 256, rootGb: 1 },
    });

    let globalUrl: string;
    if (options.globalChild) {
      const port = await freePort();
      globalChild = await startChildServer(
        'subgraphs/global/main.ts',
        [],
        {
          CELLS_API_DATABASE_URL: apiDb.url,
          CELLS_GLOBAL_PORT: String(port),
          CELLS_HOST: '127.0.0.1',
          CELLS_INTERNAL_SECRET: TEST_SECRET,
          CELLS_LOG_LEVEL: 'silent',
          CELLS_SCHEDULER_CELL_TIMEOUT_MS: String(BUDGETS.schedulerCellTimeoutMs),
          CELLS_SCHEDULER_BUDGET_MS: String(BUDGETS.schedulerBudgetMs),
          CELLS_SCHEDULER_CELL_COOLDOWN_MS: String(BUDGETS.circuit.cooldownMs),
        },
        port,
      );
      globalUrl = globalChild.url;
    } else {
      const globalOptions: GlobalSubgraphOptions = {
        apiDatabaseUrl: apiDb.url,
        port: 0,
        internalSecret: TEST_SECRET,
        cellTimeoutMs: BUDGETS.schedulerCellTimeoutMs,
        budgetMs: BUDGETS.schedulerBudgetMs,
        cellCooldownMs: BUDGETS.circuit.cooldownMs,
      };
      global = await startGlobalSubgraph(globalOptions);
      globalUrl = global.url;
    }
    gateway = await startGateway({
      port: 0,
      host: '127.0.0.1',
      globalUrl,
      internalSecret: TEST_SECRET,
      jwt: { secret: TEST_JWT_SECRET },
      cellTimeoutMs: BUDGETS.cellTimeoutMs,
      cellRefreshMs: 60000,
      mappingCacheTtlMs: 60000,
      mappingCacheMax: 10000,
      maxFirst: 1000,
      maxDepth: 12,
      maxComplexity: 250000,
      maxBodyBytes: 1024 * 1024,
      logLevel: 'silent',
      circuit: BUDGETS.circuit,
      globalTimeoutMs: BUDGETS.globalTimeoutMs,
      globalMutationTimeoutMs: BUDGETS.globalMutationTimeoutMs,
      ...options.gateway,
    });
    const running = gateway;
    const token = (projectId: string, admin = false) =>
      signToken({
        projectId,
        userId: `${projectId}-user`,
        roles: admin ? ['admin', 'member'] : ['member'],
        secret: TEST_JWT_SECRET,
      });
    const adminToken = await token('admin', true);
    return {
      api,
      apiDb,
      cells,
      cell: (name) => {
        const found = cells.find((c) => c.name === name);
        if (!found) throw new Error(`no cell ${name}`);
        return found;
      },
      globalUrl,
      globalChild,
      gateway: running,
      flavor: { id: String(flavorRow.id), name: flavorRow.name! },
      token,
      async query(query, variables = {}, bearer, timeoutMs = 10000) {
        try {
          const response = await fetch(running.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
            body: JSON.stringify({ query, variables }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = await response.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = { unparsed: text };
          }
          return { status: response.status, body };
        } catch (err) {
          return { status: 0, body: { hung: `no answer within ${timeoutMs} ms (${(err as Error).name})` } };
        }
      },
      async readyz() {
        const response = await fetch(running.url.replace(/\/graphql$/, '/readyz'), {
          headers: { authorization: `Bearer ${adminToken}` },
          signal: AbortSignal.timeout(10000),
        });
        return { status: response.status, body: await response.json().catch(() => null) };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
