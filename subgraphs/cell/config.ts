import { z } from 'zod';
import {
  booleanFlag,
  DEFAULTS,
  logLevel,
  parseEnv,
  poolIdleMs,
  poolMax,
  poolTimeoutMs,
  publishTimeoutMs,
  queryTimeoutMs,
  refusePublishedSecrets,
  secret,
  url,
} from '../../infrastructure/configSchema';
import { CELL_EXECUTIONS, type CellExecution } from './jitExecution';

/** The cell subgraph's settings from the environment; the cell itself comes from its mapping. */
export interface CellConfig {
  apiDatabaseUrl: string;
  host: string;
  internalSecret: string;
  logLevel: string;
  publishTimeoutMs: number;
  /** Publish instance notifications to the cell's `cells.notifications` exchange (CELLS_NOTIFICATIONS). */
  notifications: boolean;
  /** Overrides the port taken from the cell mapping's graphql_url (0 = any free port). */
  port: number | null;
  /** Connections to the cell database (CELLS_DB_POOL_MAX). */
  poolMax: number;
  /** Close a database connection unused this long (CELLS_DB_POOL_IDLE_MS); connections open lazily. */
  poolIdleMs: number;
  /** Wait for a free database connection (CELLS_DB_POOL_TIMEOUT_MS). */
  poolTimeoutMs: number;
  /** Client-side deadline of one statement (CELLS_DB_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number;
  /** Nova's service_down_time: a compute service whose last report is older is DOWN (CELLS_SERVICE_DOWN_TIME_S). */
  serviceDownTimeS: number;
  /** graphql-jit (default) or graphql-js (CELLS_CELL_EXECUTION). */
  execution: CellExecution;
}

export function loadCellConfig(env: Record<string, string | undefined>): CellConfig {
  const parsed = parseEnv(
    {
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_HOST: z.string().min(1).default(DEFAULTS.host),
      CELLS_INTERNAL_SECRET: secret(DEFAULTS.internalSecret),
      CELLS_LOG_LEVEL: logLevel,
      CELLS_PUBLISH_TIMEOUT_MS: publishTimeoutMs,
      CELLS_NOTIFICATIONS: booleanFlag(true),
      CELLS_CELL_PORT: z.coerce.number().int().min(0).max(65535).optional(),
      CELLS_DB_POOL_MAX: poolMax,
      CELLS_DB_POOL_IDLE_MS: poolIdleMs,
      CELLS_DB_POOL_TIMEOUT_MS: poolTimeoutMs,
      CELLS_DB_QUERY_TIMEOUT_MS: queryTimeoutMs,
      CELLS_SERVICE_DOWN_TIME_S: z.coerce.number().int().min(1).max(86400).default(60),
      CELLS_CELL_EXECUTION: z.enum(CELL_EXECUTIONS).default('jit'),
    },
    env,
  );
  refusePublishedSecrets(parsed.CELLS_HOST, { CELLS_INTERNAL_SECRET: parsed.CELLS_INTERNAL_SECRET });
  return {
    apiDatabaseUrl: parsed.CELLS_API_DATABASE_URL,
    host: parsed.CELLS_HOST,
    internalSecret: parsed.CELLS_INTERNAL_SECRET,
    logLevel: parsed.CELLS_LOG_LEVEL,
    publishTimeoutMs: parsed.CELLS_PUBLISH_TIMEOUT_MS,
    notifications: parsed.CELLS_NOTIFICATIONS,
    port: parsed.CELLS_CELL_PORT ?? null,
    poolMax: parsed.CELLS_DB_POOL_MAX,
    poolIdleMs: parsed.CELLS_DB_POOL_IDLE_MS,
    poolTimeoutMs: parsed.CELLS_DB_POOL_TIMEOUT_MS,
    queryTimeoutMs: parsed.CELLS_DB_QUERY_TIMEOUT_MS,
    serviceDownTimeS: parsed.CELLS_SERVICE_DOWN_TIME_S,
    execution: parsed.CELLS_CELL_EXECUTION,
  };
}
