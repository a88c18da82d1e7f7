import { z } from 'zod';
import {
  ConfigError,
  DEFAULTS,
  logLevel,
  parseEnv,
  port,
  refusePublishedSecrets,
  secret,
  url,
} from '../infrastructure/configSchema';
import type { MappingCacheLayers } from './cellRouter/mappingCache';
import type { RedisMappingsSettings } from './cellRouter/redisMappings';
import { RESULT_SHAPINGS, type ResultShaping } from './resultShaping';

/** Everything the gateway can be told, validated at start-up. */
export interface GatewayConfig {
  port: number;
  host: string;
  globalUrl: string;
  internalSecret: string;
  jwt: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  cellTimeoutMs: number;
  cellRefreshMs: number;
  mappingCacheTtlMs: number;
  mappingCacheMax: number;
  maxFirst: number;
  maxDepth: number;
  maxComplexity: number;
  maxBodyBytes: number;
  logLevel: string;
  /**
   * A second listener for /metrics and the detailed /readyz without a token
   * (CELLS_OPS_PORT, CELLS_OPS_HOST); unset: only the main port serves them, to operators.
   */
  ops?: { port: number; host: string } | null;
  /** Per-cell circuit (CELLS_CIRCUIT_FAILURES, CELLS_CIRCUIT_COOLDOWN_MS); unset: GATEWAY_DEFAULTS. */
  circuit?: { failures: number; cooldownMs: number };
  /** Deadline of every call to the global subgraph (CELLS_GLOBAL_TIMEOUT_MS); unset: GATEWAY_DEFAULTS. */
  globalTimeoutMs?: number;
  /** Deadline of a mutation sent to the global subgraph (CELLS_GLOBAL_MUTATION_TIMEOUT_MS): createServer may use the scheduler's whole budget. */
  globalMutationTimeoutMs?: number;
  /** Per-operation caps besides depth and complexity (CELLS_MAX_ALIASES, …, see limits.ts); unset: GATEWAY_DEFAULTS. */
  limits?: RequestLimits;
  /** Live instance events (Subscription.instanceEvents, gateway/events); unset: GATEWAY_DEFAULTS. */
  events?: EventSettings;
  /**
   * The API database the gateway LISTENs on for mapping changes (CELLS_MAPPING_NOTIFY_URL,
   * default CELLS_API_DATABASE_URL; `off` turns it off). Unset or null: none, the cell refresh
   * interval and the mapping cache TTL only.
   */
  mappingNotifyUrl?: string | null;
  /**
   * The instance-mapping cache the replicas share in Redis (CELLS_MAPPING_CACHE_REDIS_URL,
   * …_TIMEOUT_MS, …_PREFIX), in front of which each keeps its LRU. Unset or null: the LRU only.
   */
  mappingCacheRedis?: (RedisMappingsSettings & { layers?: MappingCacheLayers }) | null;
  /** The built dashboard and GraphiQL (CELLS_WEB_ROOT); unset: dashboard/dist of this checkout. */
  webRoot?: string;
  /**
   * How answers are shaped after the plan (CELLS_GATEWAY_RESULT_SHAPING): `compiled` (the
   * default, gateway/resultShaping.ts) or `apollo` (Apollo Gateway's own walk). The process's
   * setting: gateways in one process share the last one started.
   */
  resultShaping?: ResultShaping;
}

/** What the live events may hold and where the gateway reads them. */
export interface EventSettings {
  /** Events buffered per subscriber before it is dropped as too slow (CELLS_SUBSCRIPTION_BUFFER). */
  bufferLimit: number;
  /** Subscriptions open at once on one gateway (CELLS_SUBSCRIPTIONS_MAX). */
  maxSubscriptions: number;
  /** Subscriptions one WebSocket may hold at once (CELLS_SUBSCRIPTIONS_PER_CONNECTION); an SSE stream holds one. */
  maxPerConnection: number;
  /** The gateway's broker user on every cell's vhost (CELLS_EVENTS_AMQP_USER, CELLS_EVENTS_AMQP_PASSWORD). */
  credentials: { user: string; password: string };
  /** Reconnect backoff of a lost cell stream: from minMs, doubling up to maxMs (CELLS_EVENTS_RECONNECT_MAX_MS). */
  reconnect: { minMs: number; maxMs: number };
  /** Bound of the gateway's queue on each cell's broker, oldest dropped past it (CELLS_EVENTS_QUEUE_MAX). */
  queueMaxLength: number;
}

/** What one request may ask for: graphql-armor's counts, root fan-outs, and cell requests in flight at once. */
export interface RequestLimits {
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxFanouts: number;
  maxCellRequestsInFlight: number;
}

/** Defaults of the optional settings, for configs built in code (tests, the bench). */
export const GATEWAY_DEFAULTS = {
  circuit: { failures: 3, cooldownMs: 10000 },
  globalTimeoutMs: 5000,
  // Above the scheduler's default budget (30 s) plus one cell timeout (10 s).
  globalMutationTimeoutMs: 45000,
  // A Redis round trip here is well under 1 ms; past this the global subgraph answers instead.
  mappingCacheRedisTimeoutMs: 50,
  mappingCacheRedisPrefix: 'cells:mapping:',
  limits: { maxAliases: 30, maxTokens: 5000, maxDirectives: 20, maxFanouts: 5, maxCellRequestsInFlight: 16 },
  events: {
    bufferLimit: 1000,
    maxSubscriptions: 1000,
    maxPerConnection: 10,
    credentials: { user: 'guest', password: 'guest' },
    reconnect: { minMs: 500, maxMs: 15000 },
    queueMaxLength: 10000,
  },
} as const;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Reads the gateway's environment (the only place it is read). */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = parseEnv(
    {
      CELLS_GATEWAY_PORT: port(DEFAULTS.gatewayPort),
      CELLS_HOST: z.string().default(DEFAULTS.host),
      CELLS_GLOBAL_URL: url(`http://127.0.0.1:${DEFAULTS.globalPort}/graphql`),
      CELLS_INTERNAL_SECRET: secret(DEFAULTS.internalSecret),
      CELLS_JWT_SECRET: secret(DEFAULTS.jwtSecret),
      CELLS_JWKS_URL: z.string().url().optional(),
      CELLS_JWT_ISSUER: z.string().optional(),
      CELLS_JWT_AUDIENCE: z.string().optional(),
      CELLS_CELL_TIMEOUT_MS: positiveInt(5000),
      CELLS_CELL_REFRESH_MS: positiveInt(10000),
      CELLS_MAPPING_CACHE_TTL_MS: positiveInt(60000),
      CELLS_MAPPING_CACHE_MAX: positiveInt(100000),
      CELLS_MAX_FIRST: positiveInt(1000),
      CELLS_MAX_DEPTH: positiveInt(12),
      CELLS_MAX_COMPLEXITY: positiveInt(1000000),
      CELLS_MAX_ALIASES: positiveInt(GATEWAY_DEFAULTS.limits.maxAliases),
      CELLS_MAX_TOKENS: positiveInt(GATEWAY_DEFAULTS.limits.maxTokens),
      CELLS_MAX_DIRECTIVES: positiveInt(GATEWAY_DEFAULTS.limits.maxDirectives),
      CELLS_MAX_FANOUTS: positiveInt(GATEWAY_DEFAULTS.limits.maxFanouts),
      CELLS_MAX_CELL_REQUESTS_IN_FLIGHT: positiveInt(GATEWAY_DEFAULTS.limits.maxCellRequestsInFlight),
      CELLS_MAX_BODY_BYTES: positiveInt(1024 * 1024),
      CELLS_LOG_LEVEL: logLevel,
      CELLS_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
      CELLS_OPS_HOST: z.string().min(1).default(DEFAULTS.host),
      // 0 turns the circuits off (every request pays the cell timeout).
      CELLS_CIRCUIT_FAILURES: z.coerce.number().int().min(0).default(GATEWAY_DEFAULTS.circuit.failures),
      CELLS_CIRCUIT_COOLDOWN_MS: positiveInt(GATEWAY_DEFAULTS.circuit.cooldownMs),
      CELLS_GLOBAL_TIMEOUT_MS: positiveInt(GATEWAY_DEFAULTS.globalTimeoutMs),
      CELLS_GLOBAL_MUTATION_TIMEOUT_MS: positiveInt(GATEWAY_DEFAULTS.globalMutationTimeoutMs),
      CELLS_SUBSCRIPTION_BUFFER: positiveInt(GATEWAY_DEFAULTS.events.bufferLimit),
      CELLS_SUBSCRIPTIONS_MAX: positiveInt(GATEWAY_DEFAULTS.events.maxSubscriptions),
      CELLS_SUBSCRIPTIONS_PER_CONNECTION: positiveInt(GATEWAY_DEFAULTS.events.maxPerConnection),
      CELLS_EVENTS_AMQP_USER: z.string().min(1).default(GATEWAY_DEFAULTS.events.credentials.user),
      CELLS_EVENTS_AMQP_PASSWORD: z.string().min(1).default(GATEWAY_DEFAULTS.events.credentials.password),
      CELLS_EVENTS_RECONNECT_MAX_MS: z.coerce
        .number()
        .int()
        .min(GATEWAY_DEFAULTS.events.reconnect.minMs)
        .default(GATEWAY_DEFAULTS.events.reconnect.maxMs),
      CELLS_EVENTS_QUEUE_MAX: positiveInt(GATEWAY_DEFAULTS.events.queueMaxLength),
      CELLS_API_DATABASE_URL: url(DEFAULTS.apiDatabaseUrl),
      CELLS_MAPPING_NOTIFY_URL: z.union([z.literal('off'), z.string().url()]).optional(),
      CELLS_MAPPING_CACHE_REDIS_URL: z
        .string()
        .regex(/^rediss?:\/\/[^\s]+$/, 'expected a redis:// or rediss:// URL')
        .optional(),
      CELLS_MAPPING_CACHE_REDIS_TIMEOUT_MS: positiveInt(GATEWAY_DEFAULTS.mappingCacheRedisTimeoutMs),
      CELLS_MAPPING_CACHE_REDIS_PREFIX: z.string().min(1).max(100).default(GATEWAY_DEFAULTS.mappingCacheRedisPrefix),
      CELLS_WEB_ROOT: z.string().min(1).optional(),
      CELLS_GATEWAY_RESULT_SHAPING: z.enum(RESULT_SHAPINGS).default('compiled'),
    },
    env,
  );
  if (e.CELLS_JWKS_URL) {
    const missing = (['CELLS_JWT_ISSUER', 'CELLS_JWT_AUDIENCE'] as const).filter((name) => !e[name]);
    if (missing.length > 0)
      throw new ConfigError(
        `invalid configuration: CELLS_JWKS_URL is set, so ${missing.join(' and ')} must be set too (a JWKS may sign tokens for other services)`,
      );
  }
  refusePublishedSecrets(e.CELLS_HOST, {
    CELLS_INTERNAL_SECRET: e.CELLS_INTERNAL_SECRET,
    CELLS_JWT_SECRET: e.CELLS_JWKS_URL ? undefined : e.CELLS_JWT_SECRET,
  });
  return {
    port: e.CELLS_GATEWAY_PORT,
    host: e.CELLS_HOST,
    globalUrl: e.CELLS_GLOBAL_URL,
    internalSecret: e.CELLS_INTERNAL_SECRET,
    jwt: {
      secret: e.CELLS_JWKS_URL ? undefined : e.CELLS_JWT_SECRET,
      jwksUrl: e.CELLS_JWKS_URL,
      issuer: e.CELLS_JWT_ISSUER,
      audience: e.CELLS_JWT_AUDIENCE,
    },
    cellTimeoutMs: e.CELLS_CELL_TIMEOUT_MS,
    cellRefreshMs: e.CELLS_CELL_REFRESH_MS,
    mappingCacheTtlMs: e.CELLS_MAPPING_CACHE_TTL_MS,
    mappingCacheMax: e.CELLS_MAPPING_CACHE_MAX,
    maxFirst: e.CELLS_MAX_FIRST,
    maxDepth: e.CELLS_MAX_DEPTH,
    maxComplexity: e.CELLS_MAX_COMPLEXITY,
    maxBodyBytes: e.CELLS_MAX_BODY_BYTES,
    logLevel: e.CELLS_LOG_LEVEL,
    ops: e.CELLS_OPS_PORT === undefined ? null : { port: e.CELLS_OPS_PORT, host: e.CELLS_OPS_HOST },
    circuit: { failures: e.CELLS_CIRCUIT_FAILURES, cooldownMs: e.CELLS_CIRCUIT_COOLDOWN_MS },
    globalTimeoutMs: e.CELLS_GLOBAL_TIMEOUT_MS,
    globalMutationTimeoutMs: e.CELLS_GLOBAL_MUTATION_TIMEOUT_MS,
    limits: {
      maxAliases: e.CELLS_MAX_ALIASES,
      maxTokens: e.CELLS_MAX_TOKENS,
      maxDirectives: e.CELLS_MAX_DIRECTIVES,
      maxFanouts: e.CELLS_MAX_FANOUTS,
      maxCellRequestsInFlight: e.CELLS_MAX_CELL_REQUESTS_IN_FLIGHT,
    },
    events: {
      bufferLimit: e.CELLS_SUBSCRIPTION_BUFFER,
      maxSubscriptions: e.CELLS_SUBSCRIPTIONS_MAX,
      maxPerConnection: e.CELLS_SUBSCRIPTIONS_PER_CONNECTION,
      credentials: { user: e.CELLS_EVENTS_AMQP_USER, password: e.CELLS_EVENTS_AMQP_PASSWORD },
      reconnect: { minMs: GATEWAY_DEFAULTS.events.reconnect.minMs, maxMs: e.CELLS_EVENTS_RECONNECT_MAX_MS },
      queueMaxLength: e.CELLS_EVENTS_QUEUE_MAX,
    },
    mappingNotifyUrl:
      e.CELLS_MAPPING_NOTIFY_URL === 'off' ? null : (e.CELLS_MAPPING_NOTIFY_URL ?? e.CELLS_API_DATABASE_URL),
    mappingCacheRedis: e.CELLS_MAPPING_CACHE_REDIS_URL
      ? {
          url: e.CELLS_MAPPING_CACHE_REDIS_URL,
          timeoutMs: e.CELLS_MAPPING_CACHE_REDIS_TIMEOUT_MS,
          prefix: e.CELLS_MAPPING_CACHE_REDIS_PREFIX,
        }
      : null,
    webRoot: e.CELLS_WEB_ROOT,
    resultShaping: e.CELLS_GATEWAY_RESULT_SHAPING,
  };
}
