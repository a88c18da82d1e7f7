import { ApolloServer } from '@apollo/server';
import { createCellClient } from '../../prisma/clients';
import { clientErrors } from '../../domain/clientError';
import { startGraphQLHttpServer } from '../../infrastructure/httpServer';
import { internalAuthenticator } from '../../domain/internalAuth';
import { leanPlugins } from '../../infrastructure/leanPlugins';
import { silentLogger, type Logger } from '../../infrastructure/logger';
import { createCellContext, type CellContext, type CellRuntime } from './context';
import { cellErrorLog, formatCellError, INTERNAL_MESSAGE } from './errorFormat';
import { outboxLeaseMs, startOutboxRelay } from './computeOutbox';
import { createCellQueue } from './queue';
import { createCellSchema } from './schema';

export interface CellSubgraphOptions {
  cellUuid: string;
  cellName: string;
  /** The cell database (the cell mapping's database_connection). */
  databaseUrl: string;
  /** The cell broker (transport_url); `none:///` for a cell without a queue. */
  transportUrl: string;
  port: number;
  host?: string;
  internalSecret: string;
  logger?: Logger;
  /** Called per SQL statement (tests and benchmarks count with it). */
  onQuery?: (sql: string) => void;
  /** Budget for connecting to the broker and getting a publish confirmed. Default 5000 ms. */
  publishTimeoutMs?: number;
  /** Database pool size. Default 10. */
  poolMax?: number;
  /** Wait for a free connection before the request fails as pool exhausted. Default 2000 ms. */
  poolTimeoutMs?: number;
  /** Client-side deadline of one statement; unset: none. */
  queryTimeoutMs?: number;
  /** How often the outbox relay looks for actions whose request died before the confirm. Default half the outbox lease. */
  outboxRelayMs?: number;
  /**
   * Called after a local delete (no host, so no compute agent confirms it) is committed;
   * the entry point releases the instance's quota in the API database with it.
   */
  onInstanceDeleted?: CellRuntime['onInstanceDeleted'];
}

export interface RunningCellSubgraph {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts one cell's subgraph: its own Prisma client and AMQP link (both opened lazily,
 * so a cell whose database or broker is down still starts and answers with errors).
 */
export async function startCellSubgraph(options: CellSubgraphOptions): Promise<RunningCellSubgraph> {
  const logger = options.logger ?? silentLogger();
  const db = createCellClient(options.databaseUrl, {
    onQuery: options.onQuery,
    max: options.poolMax,
    connectionTimeoutMillis: options.poolTimeoutMs ?? 2000,
    queryTimeoutMillis: options.queryTimeoutMs,
  });
  const queue = createCellQueue(options.transportUrl, { logger, timeoutMs: options.publishTimeoutMs ?? 5000 });
  const leaseMs = outboxLeaseMs(queue.timeoutMs);
  const stopRelay = queue.enabled
    ? startOutboxRelay({ db, queue, logger }, { leaseMs, intervalMs: options.outboxRelayMs ?? leaseMs / 2 })
    : async () => undefined;
  const cell: CellRuntime = {
    cellUuid: options.cellUuid,
    cellName: options.cellName,
    db,
    queue,
    logger,
    onInstanceDeleted: options.onInstanceDeleted,
  };
  // The cell's classification first, then the shared client rules (allow-listed extensions, request id).
  const errors = clientErrors<CellContext>(logger, formatCellError, {
    internalMessage: INTERNAL_MESSAGE,
    logInternal: false,
  });
  const apollo = new ApolloServer<CellContext>({
    schema: createCellSchema(),
    formatError: errors.formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [...leanPlugins<CellContext>(), cellErrorLog<CellContext>(logger), errors.plugin],
    // The process entry point owns shutdown (stopOnSignal); one handler per server would pile up in tests.
    stopOnTerminationSignals: false,
    logger,
  });
  await apollo.start();
  let http;
  try {
    http = await startGraphQLHttpServer<CellContext>({
      apollo,
      authenticate: internalAuthenticator(options.internalSecret, (base) => createCellContext(base, cell)),
      logger,
      port: options.port,
      host: options.host,
    });
  } catch (err) {
    await stopRelay();
    await Promise.allSettled([apollo.stop(), queue.close(), db.$disconnect()]);
    throw err;
  }
  const server = http;
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      await server.close();
      await stopRelay();
      await Promise.allSettled([apollo.stop(), queue.close(), db.$disconnect()]);
    },
  };
}
