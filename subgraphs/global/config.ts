import { z } from 'zod';
import {
  DEFAULTS,
  logLevel,
  parseEnv,
  poolMax,
  poolTimeoutMs,
  queryTimeoutMs,
  port,
  refusePublishedSecrets,
  secret,
  url,
} from '../../infrastructure/configSchema';

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
  /** Wait for a free database connection (CELLS_DB_POOL_TIMEOUT_MS). */
  poolTimeoutMs: number;
  /** Client-side deadline of one statement (CELLS_DB_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number;
  /** Nova's max_attempts: cells a server's build is tried in before it is buried in cell0. */
  maxAttempts: number;
  /** How long one createServer schedules; also the age at which the reaper takes over a build request. */
  budgetMs: number;
  /** How long the scheduler skips a cell that failed before probing it again. */
  cellCooldownMs: number;
  /** How often the build reaper runs; 0 turns it off. */
  buildReaperMs: number;
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
      CELLS_DB_POOL_TIMEOUT_MS: poolTimeoutMs,
      CELLS_DB_QUERY_TIMEOUT_MS: queryTimeoutMs,
      CELLS_SCHEDULER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
      CELLS_SCHEDULER_BUDGET_MS: z.coerce.number().int().min(100).max(600000).default(30000),
      CELLS_SCHEDULER_CELL_COOLDOWN_MS: z.coerce.number().int().min(0).max(3600000).default(30000),
      CELLS_BUILD_REAPER_MS: z.coerce.number().int().min(0).max(3600000).default(60000),
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
    poolTimeoutMs: parsed.CELLS_DB_POOL_TIMEOUT_MS,
    queryTimeoutMs: parsed.CELLS_DB_QUERY_TIMEOUT_MS,
    maxAttempts: parsed.CELLS_SCHEDULER_MAX_ATTEMPTS,
    budgetMs: parsed.CELLS_SCHEDULER_BUDGET_MS,
    cellCooldownMs: parsed.CELLS_SCHEDULER_CELL_COOLDOWN_MS,
    buildReaperMs: parsed.CELLS_BUILD_REAPER_MS,
  };
}
