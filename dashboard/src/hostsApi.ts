import type { CellRow } from './cellRow';

/**
 * What the dashboard asks the gateway about hosts, services and capacity, and how it reads
 * the answers: the Hosts page and the overview cards import only this module, so a renamed
 * root field (the per-cell summary's name is not settled) changes here and nowhere else.
 */

export type ServiceState = 'UP' | 'DOWN' | 'UNKNOWN';
export const SERVICE_STATES: readonly ServiceState[] = ['UP', 'DOWN', 'UNKNOWN'];

export interface ComputeService {
  cellUuid: string;
  host: string | null;
  binary: string | null;
  /** Null, like forcedDown, only for a host of a cell that did not answer (UNKNOWN). */
  disabled: boolean | null;
  disabledReason: string | null;
  forcedDown: boolean | null;
  lastSeenUp: string | null;
  state: ServiceState;
}

export interface ComputeNode {
  cellUuid: string;
  host: string | null;
  hypervisorHostname: string | null;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  runningVms: number;
}

interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  complete: boolean;
  cells: CellRow[];
}

export interface HostsAnswer {
  computeServices: Connection<ComputeService>;
  computeNodes: Connection<ComputeNode>;
  cells: { uuid: string; name: string | null }[];
}

/**
 * One page of services (the rows) and the compute nodes of the same hosts (joined by cell and
 * host). Nodes come in one page of up to 1000 with the same host filter: a deployment with
 * more hosts than that shows "—" for the nodes past it.
 */
export const HOSTS_QUERY = `query Hosts($services: ComputeServiceFilter, $nodes: ComputeNodeFilter, $first: Int, $after: String) {
  computeServices(filter: $services, first: $first, after: $after) {
    edges { cursor node { cellUuid host binary disabled disabledReason forcedDown lastSeenUp state } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellUuid cellName status message elapsedMs }
  }
  computeNodes(filter: $nodes, first: 1000) {
    edges { cursor node { cellUuid host hypervisorHostname vcpus vcpusUsed memoryMb memoryMbUsed localGb localGbUsed runningVms } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellUuid cellName status message elapsedMs }
  }
  cells { uuid name }
}`;

export interface HostFilters {
  host: string;
  state: '' | ServiceState;
  binary: string;
}

export function hostsVariables(filters: HostFilters, first: number, after: string | null) {
  const host = filters.host.trim();
  return {
    services: {
      ...(host ? { host } : {}),
      ...(filters.state ? { state: filters.state } : {}),
      ...(filters.binary ? { binary: filters.binary } : {}),
    },
    nodes: host ? { host } : {},
    first,
    after,
  };
}

/** A row of the Hosts table: one service, its cell's name, and its host's compute node if any. */
export interface HostRow {
  key: string;
  cellUuid: string;
  cellName: string;
  service: ComputeService;
  node: ComputeNode | null;
}

/** Joins a page of services with the nodes listed, by cell and host (a host lives in one cell). */
export function joinHosts(answer: HostsAnswer): HostRow[] {
  const names = new Map(answer.cells.map((c) => [c.uuid, c.name ?? c.uuid]));
  const nodes = new Map<string, ComputeNode>();
  for (const { node } of answer.computeNodes.edges)
    if (node.host !== null) nodes.set(`${node.cellUuid}\u0000${node.host}`, node);
  return answer.computeServices.edges.map(({ cursor, node: service }) => ({
    key: cursor,
    cellUuid: service.cellUuid,
    cellName: names.get(service.cellUuid) ?? service.cellUuid,
    service,
    node: service.host === null ? null : (nodes.get(`${service.cellUuid}\u0000${service.host}`) ?? null),
  }));
}

/** Cells that did not answer either list, once each (for the incomplete banner). */
export function missingCells(answer: HostsAnswer): CellRow[] {
  const failed = new Map<string, CellRow>();
  for (const row of [...answer.computeServices.cells, ...answer.computeNodes.cells])
    if (row.status !== 'OK' && !failed.has(row.cellUuid)) failed.set(row.cellUuid, row);
  return [...failed.values()];
}

export interface Capacity {
  vcpus: number;
  vcpusUsed: number;
  vcpusFree: number;
  memoryMb: number;
  memoryMbUsed: number;
  memoryMbFree: number;
  localGb: number;
  localGbUsed: number;
  localGbFree: number;
}

export interface CellSummary {
  cellUuid: string;
  cellName: string | null;
  instancesByStatus: { status: string; count: number }[];
  hostsUp: number;
  hostsDown: number;
  capacity: Capacity;
}

/** A cell's entry in the summary answer: how its request went, and its summary when it answered. */
export interface CellSummaryEntry {
  row: CellRow;
  summary: CellSummary | null;
}

/** The gateway's root field for the per-cell summaries: the one place it is named. */
export const SUMMARY_FIELD = 'cellSummaries';

const SUMMARY_SELECTION = `cellUuid cellName instancesByStatus { status count } hostsUp hostsDown
  capacity { vcpus vcpusUsed vcpusFree memoryMb memoryMbUsed memoryMbFree localGb localGbUsed localGbFree }`;

/** Admins only: one entry per cell, each with the status of its request and its summary. */
export const SUMMARIES_QUERY = `query CellSummaries {
  ${SUMMARY_FIELD} { cellUuid cellName status message elapsedMs summary { ${SUMMARY_SELECTION} } }
}`;

interface SummaryAnswerEntry extends CellRow {
  summary: CellSummary | null;
}

/** The summaries by cell uuid; a cell missing from the answer has no entry at all. */
export function summariesByCell(data: unknown): Map<string, CellSummaryEntry> {
  const entries = (data as Record<string, SummaryAnswerEntry[] | null> | undefined)?.[SUMMARY_FIELD] ?? [];
  return new Map(
    entries.map(({ summary, ...row }) => [row.cellUuid, { row, summary: row.status === 'OK' ? summary : null }]),
  );
}

/** Used as a share of total, 0 to 100 (0 when there is no total). */
export function percentUsed(used: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((used / total) * 100)));
}
