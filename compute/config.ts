import { z } from 'zod';
import { booleanFlag, DEFAULTS, logLevel, parseEnv, publishTimeoutMs, url } from '../infrastructure/configSchema';

/** The compute agent's settings; the only place it reads the environment. */
export interface ComputeConfig {
  apiDatabaseUrl: string;
  logLevel: string;
  /** Simulated time a hypervisor takes per action. */
  delayMs: number;
  prefetch: number;
  /** Publish instance notifications (CELLS_NOTIFICATIONS). */
  notifications: boolean;
  /** Budget of one notification publish (CELLS_PUBLISH_TIMEOUT_MS, as the cell subgraph's). */
  publishTimeoutMs: number;
  /** How often the hosts' services report in, Nova's report_interval (CELLS_COMPUTE_HEARTBEAT_MS; 0 = only at start). */
  heartbeatMs: number;
}

export function loadComputeConfig(env: Record<string, string | undefined>): ComputeConfig {
  const parsed = parseEnv(
    {
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_LOG_LEVEL: logLevel,
      CELLS_COMPUTE_DELAY_MS: z.coerce.number().int().min(0).max(600000).default(2000),
      CELLS_COMPUTE_PREFETCH: z.coerce.number().int().min(1).max(1000).default(8),
      CELLS_NOTIFICATIONS: booleanFlag(true),
      CELLS_PUBLISH_TIMEOUT_MS: publishTimeoutMs,
      CELLS_COMPUTE_HEARTBEAT_MS: z.coerce.number().int().min(0).max(3600000).default(10000),
    },
    env,
  );
  return {
    apiDatabaseUrl: parsed.CELLS_API_DATABASE_URL,
    logLevel: parsed.CELLS_LOG_LEVEL,
    delayMs: parsed.CELLS_COMPUTE_DELAY_MS,
    prefetch: parsed.CELLS_COMPUTE_PREFETCH,
    notifications: parsed.CELLS_NOTIFICATIONS,
    publishTimeoutMs: parsed.CELLS_PUBLISH_TIMEOUT_MS,
    heartbeatMs: parsed.CELLS_COMPUTE_HEARTBEAT_MS,
  };
}
