/**
 * Why a cell subgraph could not use its database, as `extensions.reason` of a
 * CELL_UNAVAILABLE error says it, and the one short message each cause is shown with.
 * The cell subgraph picks the reason; the gateway shows the same fixed text in a cell's
 * row, so no driver text (hosts, database names, users) ever reaches a client.
 */
export const DATABASE_FAILURES = {
  /** Connection refused, `allow_connections` off (55000), not accepting yet (57P03). */
  DB_REFUSED: 'cell database refuses connections',
  /** The host name does not resolve or the host cannot be routed to. */
  DB_UNREACHABLE: 'cell database cannot be reached',
  /** 3D000, or dropped under a live connection (57P04). */
  DB_MISSING: 'cell database is missing',
  /** 28P01, 28000. */
  DB_AUTH_FAILED: 'cell database rejected the credentials',
  /** 53300. */
  DB_TOO_MANY_CONNECTIONS: 'cell database has too many connections',
  /** The rest of class 53: disk full, out of memory. */
  DB_OUT_OF_RESOURCES: 'cell database is out of resources',
  /** 57P01, 57P02, 57P05, a reset socket, a connection closed mid-query. */
  DB_TERMINATED: 'cell database connection was terminated',
  /** Statement or lock timeout (57014, 55P03), a connect timeout. */
  DB_TIMEOUT: 'cell database did not answer in time',
  /** Every pooled connection stayed busy for the whole wait. */
  DB_POOL_EXHAUSTED: 'cell database pool is exhausted',
  /** The TLS handshake with the database failed. */
  DB_TLS: 'cell database TLS connection failed',
} as const;

export type DatabaseFailureReason = keyof typeof DATABASE_FAILURES;

/** The fixed message for `reason`; a reason this build does not know reads generically. */
export function databaseFailureMessage(reason: unknown): string {
  return typeof reason === 'string' && Object.hasOwn(DATABASE_FAILURES, reason)
    ? DATABASE_FAILURES[reason as DatabaseFailureReason]
    : 'cell database is unavailable';
}

/** What an error chain says about the database, gathered from every layer. */
interface Facts {
  sqlstate?: string;
  severity?: string;
  adapterKind?: string;
  prismaCode?: string;
  socketCode?: string;
  /** Messages of the layers that carry no code. */
  messages: string[];
}

/**
 * The cause when `error` (or anything it wraps) is a failure to use the database, else
 * null. Reads codes, not text, wherever the layers carry one: the SQLSTATE (pg's
 * `code`, the adapter's `originalCode`), @prisma/adapter-pg's error `kind`, Prisma's
 * P-codes, Node's socket codes. pg's own pool and connect errors carry no code; those
 * are matched by their exact, fixed messages.
 */
export function databaseFailure(error: unknown): DatabaseFailureReason | null {
  const facts = gather(error);
  return (
    (facts.sqlstate && bySqlstate(facts.sqlstate, facts.severity)) ||
    (facts.adapterKind && ADAPTER_KINDS[facts.adapterKind]) ||
    (facts.prismaCode && PRISMA_CODES[facts.prismaCode]) ||
    (facts.socketCode && bySocketCode(facts.socketCode)) ||
    facts.messages.map(byDriverMessage).find(Boolean) ||
    null
  );
}

// Prisma puts the adapter's error in meta.driverAdapterError; Apollo in originalError; Node in cause.
function gather(error: unknown): Facts {
  const facts: Facts = { messages: [] };
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    const e = current as {
      name?: unknown;
      code?: unknown;
      severity?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: { cause?: unknown }; code?: unknown };
      cause?: unknown;
      originalError?: unknown;
    };
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && /^P\d{4}$/.test(code)) facts.prismaCode ??= code;
    else if (code && SQLSTATE.test(code) && typeof e.severity === 'string') {
      facts.sqlstate ??= code;
      facts.severity ??= e.severity;
    } else if (code) facts.socketCode ??= code;
    if (typeof e.meta?.code === 'string' && SQLSTATE.test(e.meta.code)) facts.sqlstate ??= e.meta.code;
    const adapterCause = e.meta?.driverAdapterError?.cause ?? (e.name === 'DriverAdapterError' ? e.cause : undefined);
    if (adapterCause && typeof adapterCause === 'object')
      readAdapterCause(adapterCause as Record<string, unknown>, facts);
    if (typeof e.message === 'string' && !code) facts.messages.push(e.message);
    current = e.originalError ?? (e.cause instanceof Error ? e.cause : undefined);
  }
  return facts;
}

function readAdapterCause(cause: Record<string, unknown>, facts: Facts): void {
  if (typeof cause.kind === 'string') facts.adapterKind ??= cause.kind;
  const sqlstate =
    typeof cause.originalCode === 'string'
      ? cause.originalCode
      : cause.kind === 'postgres' && typeof cause.code === 'string'
        ? cause.code
        : undefined;
  if (sqlstate && SQLSTATE.test(sqlstate)) facts.sqlstate ??= sqlstate;
  if (typeof cause.severity === 'string') facts.severity ??= cause.severity;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

function bySqlstate(sqlstate: string, severity: string | undefined): DatabaseFailureReason | null {
  switch (sqlstate) {
    // object_not_in_prerequisite_state: at connect time (FATAL), allow_connections is off.
    case '55000':
      return severity === undefined || severity === 'FATAL' ? 'DB_REFUSED' : null;
    case '57P03': // cannot_connect_now: starting up or shutting down
    case '08001': // sqlclient_unable_to_establish_sqlconnection
    case '08004': // sqlserver_rejected_establishment_of_sqlconnection
      return 'DB_REFUSED';
    case '3D000':
    case '57P04': // database_dropped
      return 'DB_MISSING';
    case '28000':
    case '28P01':
      return 'DB_AUTH_FAILED';
    case '53300':
      return 'DB_TOO_MANY_CONNECTIONS';
    case '57P01': // admin_shutdown (pg_terminate_backend)
    case '57P02': // crash_shutdown
    case '57P05': // idle_session_timeout
    case '25P03': // idle_in_transaction_session_timeout
      return 'DB_TERMINATED';
    case '57014': // query_canceled: statement_timeout
    case '55P03': // lock_not_available: lock_timeout
      return 'DB_TIMEOUT';
    default:
      if (sqlstate.startsWith('08')) return 'DB_TERMINATED'; // the rest of connection_exception
      if (sqlstate.startsWith('53')) return 'DB_OUT_OF_RESOURCES';
      return null;
  }
}

// @prisma/adapter-pg's `kind` (convertDriverError): its socket kinds carry no SQLSTATE.
const ADAPTER_KINDS: Record<string, DatabaseFailureReason> = {
  DatabaseNotReachable: 'DB_REFUSED',
  ConnectionClosed: 'DB_TERMINATED',
  SocketTimeout: 'DB_TIMEOUT',
  TlsConnectionError: 'DB_TLS',
  DatabaseDoesNotExist: 'DB_MISSING',
  DatabaseAccessDenied: 'DB_AUTH_FAILED',
  AuthenticationFailed: 'DB_AUTH_FAILED',
  TooManyConnections: 'DB_TOO_MANY_CONNECTIONS',
};

// Prisma's P1xxx connection errors and its pool and connection-limit codes.
const PRISMA_CODES: Record<string, DatabaseFailureReason> = {
  P1000: 'DB_AUTH_FAILED',
  P1001: 'DB_REFUSED',
  P1002: 'DB_TIMEOUT',
  P1003: 'DB_MISSING',
  P1008: 'DB_TIMEOUT',
  P1010: 'DB_AUTH_FAILED',
  P1011: 'DB_TLS',
  P1017: 'DB_TERMINATED',
  P2024: 'DB_POOL_EXHAUSTED',
  P2037: 'DB_TOO_MANY_CONNECTIONS',
};

function bySocketCode(code: string): DatabaseFailureReason | null {
  switch (code) {
    case 'ECONNREFUSED':
      return 'DB_REFUSED';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'DB_TERMINATED';
    case 'ETIMEDOUT':
      return 'DB_TIMEOUT';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'DB_UNREACHABLE';
    default:
      return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) ? 'DB_TLS' : null;
  }
}

// node-postgres raises these without a code (pg-pool's wait, pg's connect timer and socket end).
function byDriverMessage(message: string): DatabaseFailureReason | null {
  if (message === 'timeout exceeded when trying to connect') return 'DB_POOL_EXHAUSTED';
  if (message === 'Connection terminated due to connection timeout') return 'DB_TIMEOUT';
  // pg's client-side query_timeout: the database accepted the statement and never answered.
  if (message === 'Query read timeout') return 'DB_TIMEOUT';
  if (message === 'Connection terminated unexpectedly' || message === 'Connection terminated') return 'DB_TERMINATED';
  if (message === 'Client has encountered a connection error and is not queryable') return 'DB_TERMINATED';
  if (
    message === 'The server does not support SSL connections' ||
    message === 'There was an error establishing an SSL connection'
  )
    return 'DB_TLS';
  return null;
}
