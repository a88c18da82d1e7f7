import { Prisma } from '../../prisma/cell/generated/client';
import type { ComputeNode, Service } from '../../prisma/cell/generated/client';
import type { CellClient } from '../../prisma/clients';
import type { HostPosition } from '../../domain/hostOrder';
import { camelRows } from './rows';

/** A service row with Nova's servicegroup verdict, computed by the database at read time. */
export type ServiceRow = Service & { down: boolean };
export type ComputeNodeRow = ComputeNode;

/** Nova's default service_down_time. */
export const DEFAULT_SERVICE_DOWN_TIME_S = 60;

export type HostTable = 'services' | 'compute_nodes';

export interface HostPageRequest {
  /** ANDed; `deleted = 0` is always added. */
  conditions: Prisma.Sql[];
  after: HostPosition | null;
  first: number;
}

/**
 * Nova's `servicegroup` DB driver: a service is down when forced down, or when its last
 * report (last_seen_up, else created_at) is more than `downTimeS` away from now, either
 * way. "Now" is the database's, like the heartbeat's (compute/heartbeat.ts), so clock
 * skew between the agent, the subgraph and the database never marks a live host down.
 * Timestamps are UTC wall-clock `timestamp(3)`.
 */
export function serviceDownSql(downTimeS: number): Prisma.Sql {
  return Prisma.sql`(forced_down OR abs(extract(epoch FROM (now() AT TIME ZONE 'UTC') - COALESCE(last_seen_up, created_at))) > ${downTimeS})`;
}

/** One page of compute services in host order, each with its state. */
export async function fetchServicePage(
  db: CellClient,
  request: HostPageRequest,
  downTimeS: number,
): Promise<{ rows: ServiceRow[]; hasNextPage: boolean }> {
  return fetchHostPage<ServiceRow>(db, 'services', request, Prisma.sql`*, ${serviceDownSql(downTimeS)} AS down`);
}

/** One page of compute nodes in host order. */
export async function fetchComputeNodePage(
  db: CellClient,
  request: HostPageRequest,
): Promise<{ rows: ComputeNodeRow[]; hasNextPage: boolean }> {
  return fetchHostPage<ComputeNodeRow>(db, 'compute_nodes', request, Prisma.sql`*`);
}

/**
 * Keyset page (no OFFSET) in the order of domain/hostOrder.ts: host ascending with NULLs
 * last, then id; first+1 rows fetched to know whether another page follows.
 */
async function fetchHostPage<T>(
  db: CellClient,
  table: HostTable,
  request: HostPageRequest,
  select: Prisma.Sql,
): Promise<{ rows: T[]; hasNextPage: boolean }> {
  const conditions = [Prisma.sql`deleted = 0`, ...request.conditions];
  if (request.after) conditions.push(afterSql(request.after));
  const raw = await db.$queryRaw<Record<string, unknown>[]>(
    Prisma.sql`SELECT ${select} FROM ${Prisma.raw(table)} WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY host ASC, id ASC LIMIT ${request.first + 1}`,
  );
  const rows = camelRows<T>(raw);
  return { rows: rows.slice(0, request.first), hasNextPage: rows.length > request.first };
}

// Rows strictly after the position; NULL hosts sit after every named host.
function afterSql(position: HostPosition): Prisma.Sql {
  if (position.host === null) return Prisma.sql`(host IS NULL AND id > ${position.id})`;
  return Prisma.sql`(host > ${position.host} OR host IS NULL OR (host = ${position.host} AND id > ${position.id}))`;
}
