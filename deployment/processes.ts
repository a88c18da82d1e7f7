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
  /** Where it serves GraphQL (printed once ready). */
  url?: string;
  /** Ready when this answers 200 ... */
  healthUrl?: string;
  /** ... or, for a process without HTTP, when it logs a line containing this. */
  readyLine?: string;
  /** The port it binds, checked free before anything starts. */
  port?: number;
}

/**
 * The default deployment's servers: the global subgraph, one cell subgraph per
 * cell, a compute agent per cell with hosts, and the gateway (started last: it
 * needs the global subgraph to answer).
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
      healthUrl: `http://${config.host}:${config.globalPort}/healthz`,
      port: config.globalPort,
    },
  ];
  for (const cell of cells) {
    const url = new URL(cell.graphqlUrl);
    specs.push({
      name: cell.name,
      entry: 'subgraphs/cell/main.ts',
      args: ['--cell', cell.name],
      env: shared,
      semiSpaceMb: CELL_SEMI_SPACE_MB,
      url: cell.graphqlUrl,
      healthUrl: `${url.protocol}//${url.host}/healthz`,
      port: Number(url.port),
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
    healthUrl: `http://${config.host}:${config.gatewayPort}/healthz`,
    port: config.gatewayPort,
  });
  return specs;
}
