import { Command } from 'commander';
import { createApiClient } from '../../prisma/clients';
import { maskUrl } from '../../prisma/databaseUrl';
import { releaseDeletedServer } from '../../domain/quotas/releaseServer';
import { DEFAULTS } from '../../infrastructure/configSchema';
import { stopOnSignal } from '../../infrastructure/stopOnSignal';
import { startTracing } from '../../infrastructure/tracing';
import { createLogger } from '../../infrastructure/logger';
import { cellFromMapping } from '../../cellsAdmin';
import { loadCellConfig } from './config';
import { startCellSubgraph } from './server';

/** `npm run start:cell -- --cell <name|uuid>`: serve one cell as its cell mapping describes it. */
async function main(): Promise<void> {
  const options = new Command('start:cell')
    .requiredOption('--cell <name|uuid>', 'the cell mapping to serve')
    .parse(process.argv)
    .opts<{ cell: string }>();
  const config = loadCellConfig(process.env);
  const cell = await cellFromMapping(config.apiDatabaseUrl, options.cell);
  const logger = createLogger(`cell:${cell.cellName}`, config.logLevel);
  startTracing(`cells-cell-${cell.cellName}`);
  // A local delete (cell0's buried instances) has no agent to confirm it: release here.
  const api = createApiClient(config.apiDatabaseUrl, { max: 2 });
  const running = await startCellSubgraph({
    ...cell,
    port: config.port ?? cell.port ?? DEFAULTS.cellPortBase,
    host: config.host,
    internalSecret: config.internalSecret,
    publishTimeoutMs: config.publishTimeoutMs,
    notifications: config.notifications,
    poolMax: config.poolMax,
    poolTimeoutMs: config.poolTimeoutMs,
    poolIdleMs: config.poolIdleMs,
    queryTimeoutMs: config.queryTimeoutMs,
    serviceDownTimeS: config.serviceDownTimeS,
    logger,
    onInstanceDeleted: async (instance) => {
      await releaseDeletedServer(api, instance.uuid, instance);
    },
  });
  logger.info(
    { url: running.url, database: maskUrl(cell.databaseUrl), transport: maskUrl(cell.transportUrl) },
    'cell subgraph started',
  );
  stopOnSignal({ close: () => running.close().finally(() => api.$disconnect()) }, logger);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
