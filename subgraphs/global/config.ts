import { z } from 'zod';
import { DEFAULTS, logLevel, parseEnv, poolMax, port, refusePublishedSecrets, secret, url } from '../shared/configSchema';

/** The global subgraph's settings; the only place it reads the environment. */
export interface GlobalConfig {
  apiDatabaseUrl: string;
  port: number;
  host: string;
  internalSecret: string;
  logLevel: string;
  /** createServer's budget for a cell database or a cell's buildInstance answer. */
  cellTimeoutMs: number;
  /** Connections to the API database (CELLS_DB_POOL_MAX). */
  poolMax: number;
}

export function loadGlobalConfig(env: Record<string, string | undefined>): GlobalConfig {
  const parsed = parseEnv(
    {
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_GLOBAL_PORT: port(DEFAULTS.globalPort),
      CELLS_HOST: z.string().min(1).default(DEFAULTS.host),
      CELLS_INTERNAL_SECRET: secret(DEFAULTS.internalSecret),
      CELLS_LOG_LEVEL: logLevel,
      CELLS_SCHEDULER_CELL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
      CELLS_DB_POOL_MAX: poolMax,
    },
    env,
  );
  refusePublishedSecrets(parsed.CELLS_HOST, { CELLS_INTERNAL_SECRET: parsed.CELLS_INTERNAL_SECRET });
  return {
    apiDatabaseUrl: parsed.CELLS_API_DATABASE_URL,
    port: parsed.CELLS_GLOBAL_PORT,
    host: parsed.CELLS_HOST,
    internalSecret: parsed.CELLS_INTERNAL_SECRET,
    logLevel: parsed.CELLS_LOG_LEVEL,
    cellTimeoutMs: parsed.CELLS_SCHEDULER_CELL_TIMEOUT_MS,
    poolMax: parsed.CELLS_DB_POOL_MAX,
  };
}
