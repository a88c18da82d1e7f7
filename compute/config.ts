import { z } from 'zod';
import { DEFAULTS, logLevel, parseEnv, url } from '../infrastructure/configSchema';

/** The compute agent's settings; the only place it reads the environment. */
export interface ComputeConfig {
  apiDatabaseUrl: string;
  logLevel: string;
  /** Simulated time a hypervisor takes per action. */
  delayMs: number;
  prefetch: number;
}

export function loadComputeConfig(env: Record<string, string | undefined>): ComputeConfig {
  const parsed = parseEnv(
    {
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_LOG_LEVEL: logLevel,
      CELLS_COMPUTE_DELAY_MS: z.coerce.number().int().min(0).max(600000).default(2000),
      CELLS_COMPUTE_PREFETCH: z.coerce.number().int().min(1).max(1000).default(8),
    },
    env,
  );
  return {
    apiDatabaseUrl: parsed.CELLS_API_DATABASE_URL,
    logLevel: parsed.CELLS_LOG_LEVEL,
    delayMs: parsed.CELLS_COMPUTE_DELAY_MS,
    prefetch: parsed.CELLS_COMPUTE_PREFETCH,
  };
}
