import { Command } from 'commander';
import { createApiClient } from '../../prisma/clients';
import { maskUrl } from '../../prisma/databaseUrl';
import { releaseDeletedServer } from '../../domain/quotas/releaseServer';
import { DEFAULTS } from '../../infrastructure/configSchema';
import { stopOnSignal } from '../../infrastructure/stopOnSignal';
import { startTracing } from '../../infrastructure/tracing';
import { createLogger } from '../../infrastructure/logger';
import { cellFromMapping, type CellTarget } from '../../cellsAdmin';
import { loadCellConfig, type CellConfig } from './config';
import { startCellSubgraph, type RunningCellSubgraph } from './server';

/**
 * `npm run start:cell -- --cell <name|uuid> [--cell <name|uuid> ...]`: serve one cell, or
 * several in one process, each as its cell mapping describes it: its own port, database
 * pool, broker link and schema. A cell whose database or broker refuses answers with
 * errors; the other cells of the process answer as before (see README, "Several cells
 * in one process").
 */
async function main(): Promise<void> {
  const options = new Command('start:cell')
    .requiredOption(
      '--cell <name|uuid>',
      'a cell mapping to serve; repeat to host several cells in this process',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .parse(process.argv)
    .opts<{ cell: string[] }>();
  const config = loadCellConfig(process.env);
  const cells = await resolveCells(config, options.cell);
  const processLogger = createLogger('cell', config.logLevel);
  startTracing(`cells-cell-${cells.map((c) => c.cellName).join('+')}`);
  // A local delete (cell0's buried instances) has no agent to confirm it: release here.
  const api = createApiClient(config.apiDatabaseUrl, { max: 2 });
  const running: RunningCellSubgraph[] = [];
  const closeAll = async () => {
    await Promise.allSettled(running.map((r) => r.close()));
    await api.$disconnect();
  };
  try {
    for (const cell of cells) running.push(await startCell(cell, config, api));
  } catch (err) {
    await closeAll();
    throw err;
  }
  stopOnSignal({ close: closeAll }, processLogger);
}

/** The mappings of `names`; CELLS_CELL_PORT names one port, so it serves one cell only. */
async function resolveCells(config: CellConfig, names: string[]): Promise<CellTarget[]> {
  if (config.port !== null && names.length > 1)
    throw new Error(
      `CELLS_CELL_PORT: one port (${config.port}) cannot serve ${names.length} cells; unset it so each cell serves on its mapping's graphql_url port`,
    );
  const cells: CellTarget[] = [];
  for (const name of names) cells.push(await cellFromMapping(config.apiDatabaseUrl, name));
  const seen = new Set<string>();
  for (const cell of cells) {
    if (seen.has(cell.cellUuid)) throw new Error(`--cell: ${cell.cellName} is given more than once`);
    seen.add(cell.cellUuid);
  }
  const ports = cells.map((cell) => config.port ?? cell.port ?? DEFAULTS.cellPortBase);
  const clash = ports.find((port, i) => ports.indexOf(port) !== i);
  if (clash !== undefined)
    throw new Error(`--cell: two of the cells serve on port ${clash} (their mappings' graphql_url); give each its own`);
  return cells;
}

async function startCell(
  cell: CellTarget,
  config: CellConfig,
  api: ReturnType<typeof createApiClient>,
): Promise<RunningCellSubgraph> {
  const logger = createLogger(`cell:${cell.cellName}`, config.logLevel);
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
    execution: config.execution,
    logger,
    onInstanceDeleted: async (instance) => {
      await releaseDeletedServer(api, instance.uuid, instance);
    },
  });
  logger.info(
    { url: running.url, database: maskUrl(cell.databaseUrl), transport: maskUrl(cell.transportUrl) },
    'cell subgraph started',
  );
  return running;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
