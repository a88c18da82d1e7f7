import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Pieces every process's config.ts builds on. Nothing here reads process.env: each
 * process's config.ts passes its environment in (STYLE: one config.ts per process).
 */
export const DEFAULTS = {
  apiDatabaseUrl: 'postgresql://postgres@127.0.0.1:5432/cells_api',
  pgUrl: 'postgresql://postgres@127.0.0.1:5432',
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
  internalSecret: 'cells-dev-internal-secret',
  jwtSecret: 'cells-dev-jwt-secret-change-me',
  gatewayPort: 4000,
  globalPort: 4001,
  cellPortBase: 4010,
  host: '127.0.0.1',
} as const;

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const url = (fallback: string) => z.string().url().default(fallback);
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
export const secret = (fallback: string) => z.string().min(8).default(fallback);
/**
 * A subgraph's database pool. Every cell database on one PostgreSQL server adds its
 * pool to the global subgraph's: keep their sum below the server's max_connections.
 */
export const poolMax = z.coerce.number().int().min(1).max(500).default(10);
/**
 * How long a request waits for a free database connection (CELLS_DB_POOL_TIMEOUT_MS). Below the
 * gateway's cell timeout, so a cell whose pool is exhausted answers UNAVAILABLE (pool exhausted)
 * instead of the gateway giving up first with TIMEOUT.
 */
/**
 * How long an unused database connection stays open (CELLS_DB_POOL_IDLE_MS). Connections open
 * lazily, on a request's first statement, and close after this long idle: an idle cell holds no
 * PostgreSQL connection, which is what lets many cells share one server's max_connections.
 */
export const poolIdleMs = z.coerce.number().int().min(100).max(3600000).default(10000);
export const poolTimeoutMs = z.coerce.number().int().min(50).max(120000).default(2000);
/**
 * Client-side deadline of one SQL statement (CELLS_DB_QUERY_TIMEOUT_MS): a database that accepted
 * a connection and stopped answering fails the request as `did not answer in time` (UNAVAILABLE)
 * before the gateway's cell timeout, whether the connection was new or pooled.
 */
export const queryTimeoutMs = z.coerce.number().int().min(50).max(600000).default(4000);

/**
 * Budget of one publish to a cell's broker, connect and confirm (CELLS_PUBLISH_TIMEOUT_MS):
 * the cell subgraph's compute messages and notifications, the compute agent's notifications.
 */
export const publishTimeoutMs = z.coerce.number().int().min(100).max(120000).default(5000);
/** An on/off switch: true, false, 1 or 0. */
export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/** Thrown at start-up for a bad variable; the message names it and the value. */
export class ConfigError extends Error {}

/**
 * Parses `env` against `shape`, where each key of the shape is the name of an
 * environment variable. Errors name the variable and the value that came.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined>,
): z.infer<z.ZodObject<S>> {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) picked[key] = env[key] === '' ? undefined : env[key];
  const result = z.object(shape).safeParse(picked);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}=${shown(name, picked[name])}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

// A bad variable's value as the error shows it: a secret by its length only, a URL as
// written but for its password (it may not parse, so by pattern: "//user:password@").
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return 'undefined';
  if (/(SECRET|PASSWORD)$/.test(name)) return `(hidden, ${value.length} characters)`;
  return JSON.stringify(/URL$/.test(name) ? value.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@') : value);
}

/** Whether a bind address only accepts connections from this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** The secrets whose defaults are published in this repository, by variable. */
const PUBLISHED_SECRETS: Record<string, string> = {
  CELLS_INTERNAL_SECRET: DEFAULTS.internalSecret,
  CELLS_JWT_SECRET: DEFAULTS.jwtSecret,
};

/**
 * Refuses to start a server that binds beyond the loopback with a secret everyone can
 * read in this repository. `secrets` maps each variable the process uses to its value
 * (defaulted or not: setting the published value explicitly is refused too).
 */
export function refusePublishedSecrets(host: string, secrets: Record<string, string | undefined>): void {
  if (isLoopbackHost(host)) return;
  const published = Object.entries(secrets)
    .filter(([name, value]) => value !== undefined && PUBLISHED_SECRETS[name] === value)
    .map(([name]) => name);
  if (published.length === 0) return;
  throw new ConfigError(
    `invalid configuration: CELLS_HOST=${JSON.stringify(host)} is not loopback, and ${published.join(' and ')} ${published.length > 1 ? 'are' : 'is'} the published default; ` +
      `set ${published.join(' and ')} to a secret of your own (e.g. \`openssl rand -hex 32\`) or bind to 127.0.0.1`,
  );
}
