import { z } from 'zod';
import { DEFAULTS, parseEnv, port, url } from '../infrastructure/configSchema';

/** What `npm start` reads from its environment; nothing else in deployment/ reads it. */
export interface DeploymentConfig {
  apiDatabaseUrl: string;
  /** PostgreSQL server of the cell databases (cells_cell0..2 are created on it). */
  pgUrl: string;
  /** Broker of the cell vhosts (cells_cell1, cells_cell2). */
  amqpUrl: string;
  rabbitmqctl: string;
  host: string;
  gatewayPort: number;
  globalPort: number;
  cellPortBase: number;
  logLevel: string;
  /** Demo instances per cell with hosts (0: seed the catalogue but no fleet). */
  demoInstancesPerCell: number;
  /** Whether to seed demo data at all. */
  seed: boolean;
  /**
   * How the cell subgraphs run: a process each (apart, the default), or all in one process
   * (`start:cell --cell a --cell b ...`; README, Several cells in one process).
   */
  cellProcesses: CellProcesses;
}

export const CELL_PROCESSES = ['each', 'one'] as const;
export type CellProcesses = (typeof CELL_PROCESSES)[number];

export function readDeploymentConfig(env: Record<string, string | undefined>): DeploymentConfig {
  const e = parseEnv(
    {
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_PG_URL: url(DEFAULTS.pgUrl),
      CELLS_AMQP_URL: url(DEFAULTS.amqpUrl),
      CELLS_RABBITMQCTL: z.string().min(1).default('rabbitmqctl'),
      CELLS_HOST: z.string().min(1).default(DEFAULTS.host),
      CELLS_GATEWAY_PORT: port(DEFAULTS.gatewayPort),
      CELLS_GLOBAL_PORT: port(DEFAULTS.globalPort),
      CELLS_CELL_PORT_BASE: port(DEFAULTS.cellPortBase),
      CELLS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      CELLS_DEMO_INSTANCES_PER_CELL: z.coerce.number().int().min(0).max(5000).default(150),
      CELLS_SEED: z.enum(['true', 'false', '1', '0']).default('true'),
      CELLS_CELL_PROCESSES: z.enum(CELL_PROCESSES).default('each'),
    },
    env,
  );
  return {
    apiDatabaseUrl: e.CELLS_API_DATABASE_URL,
    pgUrl: e.CELLS_PG_URL,
    amqpUrl: e.CELLS_AMQP_URL,
    rabbitmqctl: e.CELLS_RABBITMQCTL,
    host: e.CELLS_HOST,
    gatewayPort: e.CELLS_GATEWAY_PORT,
    globalPort: e.CELLS_GLOBAL_PORT,
    cellPortBase: e.CELLS_CELL_PORT_BASE,
    logLevel: e.CELLS_LOG_LEVEL,
    demoInstancesPerCell: e.CELLS_DEMO_INSTANCES_PER_CELL,
    seed: e.CELLS_SEED === 'true' || e.CELLS_SEED === '1',
    cellProcesses: e.CELLS_CELL_PROCESSES,
  };
}
