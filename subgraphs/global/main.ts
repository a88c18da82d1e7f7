import { loadGlobalConfig } from './config';
import { startGlobalSubgraph } from './server';
import { createLogger } from '../../infrastructure/logger';
import { stopOnSignal } from '../../infrastructure/stopOnSignal';
import { startTracing } from '../../infrastructure/tracing';
import { maskUrl } from '../../prisma/databaseUrl';

/** `npm run start:global`: read the environment, serve, stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadGlobalConfig(process.env);
  startTracing('cells-global');
  const logger = createLogger('global', config.logLevel);
  const running = await startGlobalSubgraph({ ...config, logger });
  logger.info({ url: running.url, database: maskUrl(config.apiDatabaseUrl) }, 'global subgraph listening');
  stopOnSignal(running, logger);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
