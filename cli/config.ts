import { z } from 'zod';
import { DEFAULTS, parseEnv, port, url } from '../infrastructure/configSchema';

/** What the cells command reads from its environment; nothing else reads it. */
export interface CliConfig {
  apiDatabaseUrl: string;
  /** The PostgreSQL server where cell databases live by default (map-cell0, simple-cell-setup). */
  pgUrl: string;
  /** The broker where cell vhosts live by default (simple-cell-setup). */
  amqpUrl: string;
  host: string;
  cellPortBase: number;
}

export function readCliConfig(env: Record<string, string | undefined>): CliConfig {
  const parsed = parseEnv(
    {
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_PG_URL: url(DEFAULTS.pgUrl),
      CELLS_AMQP_URL: url(DEFAULTS.amqpUrl),
      CELLS_HOST: z.string().min(1).default(DEFAULTS.host),
      CELLS_CELL_PORT_BASE: port(DEFAULTS.cellPortBase),
    },
    env,
  );
  return {
    apiDatabaseUrl: parsed.CELLS_API_DATABASE_URL,
    pgUrl: parsed.CELLS_PG_URL,
    amqpUrl: parsed.CELLS_AMQP_URL,
    host: parsed.CELLS_HOST,
    cellPortBase: parsed.CELLS_CELL_PORT_BASE,
  };
}
