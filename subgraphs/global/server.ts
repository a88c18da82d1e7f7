import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createApiClient } from '../../prisma/clients';
import { startGraphQLHttpServer } from '../shared/httpServer';
import { internalAuthenticator } from '../shared/internalAuth';
import { silentLogger, type Logger } from '../shared/logger';
import { createGlobalContext, type GlobalContext } from './context';
import { globalFormatError } from './formatError';
import { globalResolvers } from './resolvers';

export interface GlobalSubgraphOptions {
  apiDatabaseUrl: string;
  port: number;
  host?: string;
  internalSecret: string;
  logger?: Logger;
  /** Called once per SQL statement; tests count statements with it. */
  onQuery?: (sql: string) => void;
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
  const prisma = createApiClient(options.apiDatabaseUrl, { onQuery: options.onQuery });
  const schema = buildSubgraphSchema({ typeDefs: parse(readFileSync(GLOBAL_SDL_PATH, 'utf8')), resolvers: globalResolvers });
  const apollo = new ApolloServer<GlobalContext>({
    schema,
    formatError: globalFormatError(logger),
    includeStacktraceInErrorResponses: false,
    // No usage reporting to Apollo's cloud here, so per-request traces would be wasted work.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  try {
    const http = await startGraphQLHttpServer({
      apollo,
      authenticate: internalAuthenticator(options.internalSecret, (base) => createGlobalContext(base, prisma, logger)),
      logger,
      port: options.port,
      host: options.host,
    });
    return {
      url: http.url,
      port: http.port,
      close: async () => {
        await http.close();
        await apollo.stop();
        await prisma.$disconnect();
      },
    };
  } catch (err) {
    await apollo.stop();
    await prisma.$disconnect();
    throw err;
  }
}
