import {
  CELL0_NAME,
  discoverHosts,
  findCell,
  mapCell0,
  createCell,
  updateCell,
  registerComputeNode,
  type CellMapping,
  type DiscoveredHost,
} from '../cellsAdmin';
import { createApiClient, createCellClient, type ApiClient, type CellClient } from '../prisma/clients';
import { databaseName } from '../prisma/databaseUrl';
import { ensureDatabase } from '../prisma/databases';
import { migrate } from '../prisma/migrate';
import { ensureVhosts } from './rabbitVhosts';
import { HOST_CAPACITY } from './seed/catalog';
import { seedDemo, type SeedResult } from './seed/seedDemo';
import type { CellPlan } from './topology';

export interface BootstrapConfig {
  apiDatabaseUrl: string;
  /** cell0 first by convention; cell0 is the one named "cell0". */
  cells: CellPlan[];
  rabbitmqctl: string;
  /** Seed demo data (false: only databases, vhosts, cells and hosts). */
  seed: boolean;
  demoInstancesPerCell: number;
  log?: (line: string) => void;
}

export interface BootstrapResult {
  databasesCreated: string[];
  migrationsApplied: Record<string, string[]>;
  vhostsCreated: string[];
  cellsCreated: string[];
  cellsUpdated: string[];
  hostsRegistered: string[];
  hostsMapped: DiscoveredHost[];
  seed: SeedResult | null;
}

/**
 * Brings a machine to the default deployment's state: databases created and
 * migrated, vhosts, cell mappings, compute hosts registered and discovered, demo
 * data. Every step finds what is there and adds only what is missing, so running
 * it again changes nothing.
 */
export async function bootstrap(config: BootstrapConfig): Promise<BootstrapResult> {
  const log = config.log ?? (() => undefined);
  const result: BootstrapResult = {
    databasesCreated: [],
    migrationsApplied: {},
    vhostsCreated: [],
    cellsCreated: [],
    cellsUpdated: [],
    hostsRegistered: [],
    hostsMapped: [],
    seed: null,
  };
  const databases: Array<[string, 'api' | 'cell']> = [
    [config.apiDatabaseUrl, 'api'],
    ...config.cells.map((c): [string, 'cell'] => [c.databaseUrl, 'cell']),
  ];
  for (const [url, kind] of databases) {
    const name = databaseName(url);
    if (await ensureDatabase(url)) result.databasesCreated.push(name);
    result.migrationsApplied[name] = (await migrate(url, kind)).applied;
  }
  log(
    `databases ready: ${databases.map(([url]) => databaseName(url)).join(', ')}${result.databasesCreated.length ? ` (created ${result.databasesCreated.join(', ')})` : ''}`,
  );
  result.vhostsCreated = await ensureVhosts(
    config.rabbitmqctl,
    config.cells.map((c) => c.transportUrl),
  );
  log(`vhosts ready${result.vhostsCreated.length ? ` (created ${result.vhostsCreated.join(', ')})` : ''}`);

  const api = createApiClient(config.apiDatabaseUrl, { max: 4 });
  const clients = new Map<string, CellClient>();
  const openCell = (url: string) => createCellClient(url, { max: 2 });
  try {
    const mappings = new Map<string, CellMapping>();
    for (const plan of config.cells) mappings.set(plan.name, await ensureCell(api, plan, result));
    log(`cells mapped: ${[...mappings.values()].map((c) => `${c.name} ${c.uuid}`).join(', ')}`);
    for (const plan of config.cells) {
      const client = openCell(plan.databaseUrl);
      clients.set(plan.name, client);
      for (const host of plan.hosts) {
        // An existing node keeps its capacity (registerComputeNode's default).
        if ((await registerComputeNode(client, { host, ...HOST_CAPACITY })).created) result.hostsRegistered.push(host);
      }
    }
    result.hostsMapped = await discoverHosts(api, { openCell });
    log(
      `hosts mapped: ${result.hostsMapped.length ? result.hostsMapped.map((h) => `${h.host}→${h.cellName}`).join(', ') : 'no new host'}`,
    );
    if (config.seed) {
      const cells = new Map(
        config.cells.map((plan) => [plan.name, { mapping: mappings.get(plan.name)!, client: clients.get(plan.name)! }]),
      );
      result.seed = await seedDemo(api, cells, { perCell: config.demoInstancesPerCell });
      log(
        `demo data ready: ${result.seed.fleetSize} instances planned, written now: ${JSON.stringify(result.seed.instancesWritten)}`,
      );
    }
    return result;
  } finally {
    await api.$disconnect();
    await Promise.all([...clients.values()].map((client) => client.$disconnect()));
  }
}

async function ensureCell(api: ApiClient, plan: CellPlan, result: BootstrapResult): Promise<CellMapping> {
  if (plan.name === CELL0_NAME) {
    const { cell, created } = await mapCell0(api, {
      databaseConnection: plan.databaseUrl,
      graphqlUrl: plan.graphqlUrl,
    });
    if (created) result.cellsCreated.push(plan.name);
    return cell;
  }
  const existing = await findCell(api, plan.name);
  if (!existing) {
    result.cellsCreated.push(plan.name);
    return createCell(api, {
      name: plan.name,
      databaseConnection: plan.databaseUrl,
      transportUrl: plan.transportUrl,
      graphqlUrl: plan.graphqlUrl,
    });
  }
  if (
    existing.databaseConnection === plan.databaseUrl &&
    existing.transportUrl === plan.transportUrl &&
    existing.graphqlUrl === plan.graphqlUrl
  )
    return existing;
  // The environment moved the cell (another port or server): follow it.
  result.cellsUpdated.push(plan.name);
  return updateCell(api, existing.uuid, {
    databaseConnection: plan.databaseUrl,
    transportUrl: plan.transportUrl,
    graphqlUrl: plan.graphqlUrl,
  });
}
