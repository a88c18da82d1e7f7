import { ApolloServer } from '@apollo/server';
import { createCellClient } from '../../prisma/clients';
import { startGraphQLHttpServer } from '../../infrastructure/httpServer';
import { internalAuthenticator } from '../../domain/internalAuth';
import { leanPlugins } from '../../infrastructure/leanPlugins';
import { silentLogger, type Logger } from '../../infrastructure/logger';
import { createCellContext, type CellContext, type CellRuntime } from './context';
import { cellErrorLog, cellErrors } from './formatError';
import { outboxLeaseMs, startOutboxRelay } from './computeOutbox';
import { createCellQueue } from './queue';
import { NOTIFICATIONS_EXCHANGE } from '../../domain/instanceEvents';
import { NotificationOutbox, notificationLeaseMs } from '../../infrastructure/notifications/notificationOutbox';
import { createTopicPublisher } from '../../infrastructure/notifications/topicPublisher';
import { createCellSchema } from './schema';
import { jitExecution, type CellExecution } from './jitExecution';

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
  /** How queries run: compiled by graphql-jit (default) or interpreted by graphql-js (CELLS_CELL_EXECUTION). */
  execution?: CellExecution;
  /** Database pool size. Default 10. */
  poolMax?: number;
  /** Close a connection unused this long (connections open lazily). Default 10000 ms. */
  poolIdleMs?: number;
  /** Wait for a free connection before the request fails as pool exhausted. Default 2000 ms. */
  poolTimeoutMs?: number;
  /** Client-side deadline of one statement; unset: none. */
  queryTimeoutMs?: number;
  /** Nova's service_down_time for the host listings' UP/DOWN. Default 60 s. */
  serviceDownTimeS?: number;
  /** How often the outbox relay looks for actions whose request died before the confirm. Default half the outbox lease. */
  outboxRelayMs?: number;
  /**
   * Publish instance notifications to the cell's `cells.notifications` exchange (CELLS_NOTIFICATIONS).
   * Default true; a cell without a queue (cell0) has none.
   */
  notifications?: boolean;
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
    idleTimeoutMillis: options.poolIdleMs ?? 10000,
    queryTimeoutMillis: options.queryTimeoutMs,
  });
  const queue = createCellQueue(options.transportUrl, { logger, timeoutMs: options.publishTimeoutMs ?? 5000 });
  const leaseMs = outboxLeaseMs(queue.timeoutMs);
  // Its own connection: a notification that goes wrong never touches an action's publish.
  const events = new NotificationOutbox({
    db,
    publisher:
      queue.enabled && (options.notifications ?? true)
        ? createTopicPublisher({
            url: options.transportUrl,
            exchange: NOTIFICATIONS_EXCHANGE,
            timeoutMs: queue.timeoutMs,
            logger,
          })
        : null,
    logger,
    leaseMs: notificationLeaseMs(queue.timeoutMs),
  });
  events.startRelay(options.outboxRelayMs ?? notificationLeaseMs(queue.timeoutMs) / 2);
  const cell: CellRuntime = {
    cellUuid: options.cellUuid,
    cellName: options.cellName,
    db,
    queue,
    events,
    logger,
    onInstanceDeleted: options.onInstanceDeleted,
    serviceDownTimeS: options.serviceDownTimeS,
  };
  // The cell's classification first, then the shared client rules (allow-listed extensions, request id).
  const errors = cellErrors<CellContext>(logger);
  const schema = createCellSchema();
  const apollo = new ApolloServer<CellContext>({
    // Apollo Server's executor seam is its `gateway` option; the types are its gateway interface's.
    ...((options.execution ?? 'jit') === 'jit' ? { gateway: jitExecution(schema) as never } : { schema }),
    formatError: errors.formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [...leanPlugins<CellContext>(), cellErrorLog<CellContext>(logger), errors.plugin],
    // The process entry point owns shutdown (stopOnSignal); one handler per server would pile up in tests.
    stopOnTerminationSignals: false,
    logger,
  });
  const stopRelay = queue.enabled
    ? startOutboxRelay(
        { db, queue, logger, events, cellUuid: options.cellUuid },
        { leaseMs, intervalMs: options.outboxRelayMs ?? leaseMs / 2 },
      )
    : async () => undefined;
  await apollo.start();
  let http;
  try {
    http = await startGraphQLHttpServer<CellContext>({
      apollo,
      authenticate: internalAuthenticator(options.internalSecret, (base) => createCellContext(base, cell)),
      logger,
      port: options.port,
      host: options.host,
      spanAttributes: {
        'cells.process': 'cell',
        'cells.cell.name': options.cellName,
        'cells.cell.uuid': options.cellUuid,
      },
    });
  } catch (err) {
    await stopRelay();
    await events.close();
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
      await events.close();
      await Promise.allSettled([apollo.stop(), queue.close(), db.$disconnect()]);
    },
  };
}
