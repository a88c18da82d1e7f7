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
