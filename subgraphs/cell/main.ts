import { Command } from 'commander';
import { maskUrl } from '../../prisma/databaseUrl';
import { DEFAULTS } from '../shared/configSchema';
import { stopOnSignal } from '../shared/stopOnSignal';
import { createLogger } from '../shared/logger';
import { cellFromMapping } from './cellFromMapping';
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
  const running = await startCellSubgraph({
    ...cell,
    port: config.port ?? cell.port ?? DEFAULTS.cellPortBase,
    host: config.host,
    internalSecret: config.internalSecret,
    publishTimeoutMs: config.publishTimeoutMs,
    logger,
  });
  logger.info({ url: running.url, database: maskUrl(cell.databaseUrl), transport: maskUrl(cell.transportUrl) }, 'cell subgraph started');
  stopOnSignal(running, logger);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
