import type { DeploymentConfig } from './config';
import { CELL_SEMI_SPACE_MB } from './serverProcess';
import type { CellPlan } from './topology';

/** One server `npm start` runs, and how to tell it is ready. */
export interface ChildSpec {
  name: string;
  /** Entry file relative to the project root, run with tsx's CommonJS hook (serverProcess.ts). */
  entry: string;
  args: string[];
  env: Record<string, string>;
  /** Its young generation, when not the servers' default (serverProcess.ts). */
  semiSpaceMb?: number;
  /** Where it serves GraphQL (printed once ready; several cells: each one's, comma-separated). */
  url?: string;
  /** Ready when each of these answers 200 ... */
  healthUrls?: string[];
  /** ... or, for a process without HTTP, when it logs a line containing this. */
  readyLine?: string;
  /** The ports it binds, checked free before anything starts. */
  ports?: number[];
}

/**
 * The default deployment's servers: the global subgraph, the cell subgraphs (a process
 * per cell, or one process for every cell with CELLS_CELL_PROCESSES=one), a compute agent
 * per cell with hosts, and the gateway (started last: it needs the global subgraph to answer).
 */
export function childSpecs(config: DeploymentConfig, cells: CellPlan[]): ChildSpec[] {
  const globalUrl = `http://${config.host}:${config.globalPort}/graphql`;
  const shared = {
    CELLS_API_DATABASE_URL: config.apiDatabaseUrl,
    CELLS_HOST: config.host,
    CELLS_LOG_LEVEL: config.logLevel,
  };
  const specs: ChildSpec[] = [
    {
      name: 'global',
      entry: 'subgraphs/global/main.ts',
      args: [],
      env: { ...shared, CELLS_GLOBAL_PORT: String(config.globalPort) },
      url: globalUrl,
      healthUrls: [`http://${config.host}:${config.globalPort}/healthz`],
      ports: [config.globalPort],
    },
  ];
  const groups = config.cellProcesses === 'one' ? [cells] : cells.map((cell) => [cell]);
  for (const group of groups.filter((g) => g.length > 0)) {
    const urls = group.map((cell) => new URL(cell.graphqlUrl));
    specs.push({
      name: group.length === 1 ? group[0].name : 'cells',
      entry: 'subgraphs/cell/main.ts',
      args: group.flatMap((cell) => ['--cell', cell.name]),
      env: shared,
      semiSpaceMb: CELL_SEMI_SPACE_MB,
      url: group.map((cell) => cell.graphqlUrl).join(', '),
      healthUrls: urls.map((url) => `${url.protocol}//${url.host}/healthz`),
      ports: urls.map((url) => Number(url.port)),
    });
  }
  for (const cell of cells.filter((c) => c.hosts.length > 0)) {
    specs.push({
      name: `compute-${cell.name}`,
      entry: 'compute/main.ts',
      args: ['--cell', cell.name],
      env: shared,
      readyLine: 'compute agent started',
    });
  }
  specs.push({
    name: 'gateway',
    entry: 'gateway/main.ts',
    args: [],
    env: { ...shared, CELLS_GATEWAY_PORT: String(config.gatewayPort), CELLS_GLOBAL_URL: globalUrl },
    url: `http://${config.host}:${config.gatewayPort}/graphql`,
    healthUrls: [`http://${config.host}:${config.gatewayPort}/healthz`],
    ports: [config.gatewayPort],
  });
  return specs;
}
