import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createApiClient } from '../../prisma/clients';
import { startGraphQLHttpServer } from '../../infrastructure/httpServer';
import { internalAuthenticator } from '../../domain/internalAuth';
import { leanPlugins } from '../../infrastructure/leanPlugins';
import { silentLogger, type Logger } from '../../infrastructure/logger';
import { createGlobalContext, type GlobalContext } from './context';
import { globalErrors } from './formatError';
import { globalResolvers } from './resolvers';
import { startBuildReaper } from './scheduler/buildReaper';
import { CellHealth } from './scheduler/cellHealth';
import { CellPool } from './scheduler/cellPool';
import type { SchedulerDeps } from './context';

export interface GlobalSubgraphOptions {
  apiDatabaseUrl: string;
  port: number;
  host?: string;
  internalSecret: string;
  logger?: Logger;
  /** Called once per SQL statement; tests count statements with it. */
  onQuery?: (sql: string) => void;
  /** createServer's budget for a cell database or a cell's buildInstance answer. Default 10000 ms. */
  cellTimeoutMs?: number;
  /** API database pool size. Default 10. */
  poolMax?: number;
  /** Wait for a free connection before the request fails as pool exhausted. Default 2000 ms. */
  poolTimeoutMs?: number;
  /** Client-side deadline of one statement; unset: none. */
  queryTimeoutMs?: number;
  /** Cells one server's build is tried in before it is buried (Nova's max_attempts). Default 3. */
  maxAttempts?: number;
  /** How long one createServer schedules. Default 30000 ms. */
  budgetMs?: number;
  /** How long a cell that failed is skipped by the scheduler. Default 30000 ms. */
  cellCooldownMs?: number;
  /** How often the build reaper runs (build requests older than budget + cell timeout); 0 turns it off. Default 60000 ms. */
  buildReaperMs?: number;
}

export interface RunningGlobalSubgraph {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The SDL this subgraph serves (also what composition tests read). */
export const GLOBAL_SDL_PATH = path.join(__dirname, 'schema.graphql');

/** Starts the global subgraph over its own Prisma client; close() stops both. */
export async function startGlobalSubgraph(options: GlobalSubgraphOptions): Promise<RunningGlobalSubgraph> {
  const logger = options.logger ?? silentLogger();
  const prisma = createApiClient(options.apiDatabaseUrl, {
    onQuery: options.onQuery,
    max: options.poolMax,
    connectionTimeoutMillis: options.poolTimeoutMs ?? 2000,
    queryTimeoutMillis: options.queryTimeoutMs,
  });
  const schema = buildSubgraphSchema({
    typeDefs: parse(readFileSync(GLOBAL_SDL_PATH, 'utf8')),
    resolvers: globalResolvers,
  });
  const errors = globalErrors(logger);
  const apollo = new ApolloServer<GlobalContext>({
    schema,
    formatError: errors.formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [errors.plugin, ...leanPlugins<GlobalContext>()],
    // The process entry point owns shutdown (stopOnSignal); one handler per server would pile up in tests.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const scheduler: SchedulerDeps = {
    pool: new CellPool(),
    health: new CellHealth({ cooldownMs: options.cellCooldownMs ?? 30000, logger }),
    internalSecret: options.internalSecret,
    cellTimeoutMs: options.cellTimeoutMs ?? 10000,
    maxAttempts: options.maxAttempts ?? 3,
    budgetMs: options.budgetMs ?? 30000,
    logger,
  };
  const reaperMs = options.buildReaperMs ?? 60000;
  const reaper =
    reaperMs > 0
      ? startBuildReaper(
          {
            api: prisma,
            pool: scheduler.pool,
            internalSecret: options.internalSecret,
            cellTimeoutMs: scheduler.cellTimeoutMs,
            logger,
          },
          { intervalMs: reaperMs, olderThanMs: scheduler.budgetMs + scheduler.cellTimeoutMs },
        )
      : null;
  try {
    const http = await startGraphQLHttpServer({
      apollo,
      authenticate: internalAuthenticator(options.internalSecret, (base) =>
        createGlobalContext(base, prisma, logger, scheduler),
      ),
      logger,
      port: options.port,
      host: options.host,
      spanAttributes: { 'cells.process': 'global' },
    });
    return {
      url: http.url,
      port: http.port,
      close: async () => {
        await reaper?.stop();
        await http.close();
        await apollo.stop();
        await Promise.allSettled([prisma.$disconnect(), scheduler.pool.close()]);
      },
    };
  } catch (err) {
    await reaper?.stop();
    await apollo.stop();
    await prisma.$disconnect();
    throw err;
  }
}
