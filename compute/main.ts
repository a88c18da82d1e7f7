import { Command } from 'commander';
import { createApiClient, createCellClient } from '../prisma/clients';
import { cellFromMapping } from '../cellsAdmin';
import { releaseDeletedServer } from '../domain/quotas/releaseServer';
import { stopOnSignal } from '../infrastructure/stopOnSignal';
import { startTracing } from '../infrastructure/tracing';
import { createLogger } from '../infrastructure/logger';
import { startComputeAgent } from './agent';
import { loadComputeConfig } from './config';

/** `npm run start:compute -- --cell <name|uuid> [--host h ...]`: the agent for a cell's hosts. */
async function main(): Promise<void> {
  const options = new Command('start:compute')
    .requiredOption('--cell <name|uuid>', 'the cell whose hosts to serve')
    .option(
      '--host <host>',
      'a compute host to serve (repeatable; default: every host of the cell)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .parse(process.argv)
    .opts<{ cell: string; host: string[] }>();
  const config = loadComputeConfig(process.env);
  const cell = await cellFromMapping(config.apiDatabaseUrl, options.cell);
  const logger = createLogger(`compute:${cell.cellName}`, config.logLevel);
  startTracing(`cells-compute-${cell.cellName}`);
  const hosts =
    options.host.length > 0 ? options.host : await hostsOfCell(config.apiDatabaseUrl, cell.databaseUrl, cell.cellUuid);
  if (hosts.length === 0) throw new Error(`cell ${cell.cellName} has no compute hosts yet; pass --host`);
  // Confirmed deletions give quota back in the API database (once; see releaseDeletedServer).
  const api = createApiClient(config.apiDatabaseUrl, { max: 2 });
  const agent = await startComputeAgent({
    cellUuid: cell.cellUuid,
    databaseUrl: cell.databaseUrl,
    transportUrl: cell.transportUrl,
    hosts,
    logger,
    delayMs: config.delayMs,
    prefetch: config.prefetch,
    notifications: config.notifications,
    publishTimeoutMs: config.publishTimeoutMs,
    heartbeatMs: config.heartbeatMs,
    onDeleted: async (instance) => {
      const released = await releaseDeletedServer(api, instance.uuid, instance);
      logger.info({ uuid: instance.uuid, released }, 'deletion confirmed to the API database');
    },
  });
  logger.info({ hosts: agent.hosts }, 'compute agent started');
  stopOnSignal({ close: () => agent.close().finally(() => api.$disconnect()) }, logger);
}

// Every host the cell knows: its mapped hosts (API) and its registered compute nodes (cell).
async function hostsOfCell(apiDatabaseUrl: string, cellDatabaseUrl: string, cellUuid: string): Promise<string[]> {
  const api = createApiClient(apiDatabaseUrl, { max: 1 });
  const cellDb = createCellClient(cellDatabaseUrl, { max: 1 });
  try {
    const mapped = await api.hostMapping.findMany({ where: { cell: { uuid: cellUuid } }, select: { host: true } });
    const nodes = await cellDb.computeNode.findMany({ where: { deleted: 0 }, select: { host: true } });
    return [...new Set([...mapped.map((m) => m.host), ...nodes.map((n) => n.host ?? '')].filter(Boolean))].sort();
  } finally {
    await Promise.allSettled([api.$disconnect(), cellDb.$disconnect()]);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
