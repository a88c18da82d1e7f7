/**
 * The host listings merged across cells: `computeServices` (Nova's os-services) and
 * `computeNodes` (os-hypervisors), admins only. The same path as `instances`
 * (instanceList.ts): every cell asked in parallel for a share of the page through
 * ListFanOut, k-way merged by mergeSources, continued per cell only when its share runs
 * out, answered in the client's shape by connectionShape. What differs is the order:
 * host, then cell (row ids are per cell), then id (domain/hostOrder.ts), so the merged
 * cursor names the cell and each cell is asked with its own cursor (cellHostCursor).
 *
 * A cell that does not answer: its row in `cells` and `complete: false`. For
 * computeServices, like Nova 2.69, its mapped hosts (the global subgraph's host
 * mappings) stand in as services with `state: UNKNOWN`, binary nova-compute, the rest
 * null, in the merged order at (host, cell, 0), so they page like live rows. For
 * computeNodes its nodes are missing. A cell failing after its first batch leaves its
 * later rows missing (complete false), without UNKNOWN records.
 */
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../domain/errors';
import {
  cellHostCursor,
  compareMergedHostPositions,
  decodeHostCursor,
  decodeMergedHostCursor,
  encodeMergedHostCursor,
  type HostList,
  type MergedHostPosition,
} from '../../domain/hostOrder';
import { CursorError } from '../../domain/keysetCursor';
import type { CellEntry } from './cellDirectory';
import { connectionResponse, mergedFields, shape, type MergedField } from './connectionShape';
import { DEFAULT_FIRST, firstBatch, ListFanOut, stream, type ListedConnection, type RowRouting } from './instanceList';
import { absorb, mergePage, type MergeRow, type SourceStream } from './mergeSources';
import { logGlobalFailure, routerError, type FieldResult, type RouterRequest } from './routerRequest';

/** A host listing: its connection, its cursors' list name, and whether a down cell's hosts stand in. */
export interface HostConnection extends ListedConnection {
  list: HostList;
  unknownRecords: boolean;
}

export const COMPUTE_SERVICES: HostConnection = {
  rootField: 'computeServices',
  typenames: { connection: 'ComputeServiceConnection', edge: 'ComputeServiceEdge' },
  list: 'computeServices',
  unknownRecords: true,
};

export const COMPUTE_NODES: HostConnection = {
  rootField: 'computeNodes',
  typenames: { connection: 'ComputeNodeConnection', edge: 'ComputeNodeEdge' },
  list: 'computeNodes',
  unknownRecords: false,
};

/** Whose rows a stream holds: one cell's, or the records made up for the cells that failed. */
type HostSource = { kind: 'cell'; cell: CellEntry } | { kind: 'unknown'; cell?: undefined };
type HostStream = SourceStream<HostSource, MergedHostPosition>;

/** `computeServices` or `computeNodes` over every cell, merged in host order. */
export async function routeHostList(req: RouterRequest, connection: HostConnection): Promise<FieldResult> {
  const path = [req.field.responseKey];
  // Said once here, as each cell would say it: a down cell must not list its hosts to anyone else.
  if (!req.identity.isAdmin)
    return {
      data: null,
      errors: [routerError(ErrorCode.FORBIDDEN, `${connection.rootField} is for admins only`, path)],
    };
  const args = parseHostArgs(req, connection.list);
  if ('error' in args) return { data: null, errors: [routerError(ErrorCode.BAD_USER_INPUT, args.error, path)] };
  const { first, after, filter } = args;
  const selection = mergedFields(req.field.node.selectionSet, req.planned.fragments);

  const fanOut = new ListFanOut(req, hostRouting(connection.list), selection);
  const cells = await req.fanOut.all();
  const streams: HostStream[] = cells.map((cell) => stream<HostSource, MergedHostPosition>({ kind: 'cell', cell }));
  const cellAfter = (cell: CellEntry, position: MergedHostPosition | null) =>
    position ? cellHostCursor(connection.list, position, cell.info.uuid) : null;
  // Nova's "distributed" strategy, as for instances: each cell's share of the page plus 10%.
  const batch = firstBatch(first, cells);
  await Promise.all(
    streams.map(async (s) => absorb(s, await fanOut.batch(s, batch, cellAfter(s.source.cell!, after)))),
  );
  if (fanOut.requestError) return { data: null, errors: [fanOut.requestError] };

  const failed = streams.filter((s) => s.failure).map((s) => s.source.cell!);
  const unknown =
    connection.unknownRecords && failed.length && first > 0 && unknownRecordsApply(filter)
      ? await unknownStream(req, failed, args, selection)
      : null;
  if (unknown?.error) fanOut.errors.push(unknown.error);

  const sources: HostStream[] = unknown?.stream ? [...streams, unknown.stream] : streams;
  const merged = await mergePage(sources, first, compareMergedHostPositions, (s, count) => {
    const last = s.lastCursor ? decodeMergedHostCursor(connection.list, s.lastCursor) : after;
    return fanOut.batch(s, count, s.source.cell ? cellAfter(s.source.cell, last) : null);
  });
  req.logger.info(
    { requestId: req.requestId, list: connection.rootField, rounds: merged.rounds, cells: streams.length, first },
    'host listing page merged',
  );
  const data = connectionResponse({
    selection,
    fragments: req.planned.fragments,
    typenames: connection.typenames,
    live: merged.rows,
    madeUp: [],
    hasNextPage: merged.hasNextPage,
    endCursor: merged.rows.at(-1)?.cursor ?? null,
    cells: streams.map((s) => ({
      cellUuid: s.source.cell!.info.uuid,
      cellName: s.source.cell!.info.name,
      status: s.failure?.status ?? 'OK',
      message: s.failure?.message ?? null,
      elapsedMs: Math.round(s.elapsedMs * 100) / 100,
    })),
    complete: failed.length === 0,
  });
  return { data, errors: fanOut.errors };
}

interface HostArgs {
  first: number;
  after: MergedHostPosition | null;
  filter: Record<string, unknown>;
}

// first and after checked once; a bad one is named (the cells check the filter).
function parseHostArgs(req: RouterRequest, list: HostList): HostArgs | { error: string } {
  const { args } = req.field;
  const first = args.first ?? DEFAULT_FIRST;
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > req.maxFirst) {
    return { error: `first: expected an integer from 0 to ${req.maxFirst}, got ${JSON.stringify(first)}` };
  }
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  try {
    const after = typeof args.after === 'string' && args.after ? decodeMergedHostCursor(list, args.after) : null;
    return { first, after, filter };
  } catch (err) {
    if (err instanceof CursorError) return { error: err.message };
    throw err;
  }
}

// A cell's row: its host and id from the cell's own cursor, and the cell that answered it.
function hostRouting(list: HostList): RowRouting<MergedHostPosition> {
  return {
    nodeFields: 'host',
    positionOf: (edge, cell) => ({ ...decodeHostCursor(list, edge.cursor), cellUuid: cell.info.uuid }),
    rowCursor: (_cellCursor, position) => encodeMergedHostCursor(list, position),
  };
}

/** Whether an UNKNOWN service can match the filter: it has a host and binary nova-compute, nothing else. */
function unknownRecordsApply(filter: Record<string, unknown>): boolean {
  const given = (key: string) => filter[key] !== undefined && filter[key] !== null;
  if (given('disabled')) return false;
  if (given('state') && filter.state !== 'UNKNOWN') return false;
  return !given('binary') || filter.binary === 'nova-compute';
}

/**
 * The records standing in for the mapped hosts of the cells that failed, after `after`,
 * sorted, at most a page: one more stream beside the cells' in the merge, all in one
 * batch. When the mappings cannot be read the page goes on without them and says so.
 */
async function unknownStream(
  req: RouterRequest,
  failed: CellEntry[],
  args: HostArgs,
  selection: MergedField[],
): Promise<{ stream: HostStream | null; error?: GraphQLFormattedError }> {
  const read = await Promise.all(failed.map((cell) => req.global.hostsOfCell(cell.info.uuid, req.requestId)));
  const missing = read.find((r) => !r.ok);
  if (missing && !missing.ok) {
    logGlobalFailure(req, missing, 'could not read host mappings for UNKNOWN services');
    return {
      stream: null,
      error: {
        message:
          'services of cells that did not answer (UNKNOWN records) could not be read and are missing from this page',
        path: [req.field.responseKey],
        extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
      },
    };
  }
  const hostFilter = typeof args.filter.host === 'string' ? args.filter.host : null;
  const edgeFields = selection.filter((f) => f.name === 'edges');
  const rows: MergeRow<MergedHostPosition>[] = failed
    .flatMap((cell, i) => {
      const hosts = read[i].ok ? read[i].value : [];
      return hosts.map((host) => ({ host, cellUuid: cell.info.uuid, id: 0 }));
    })
    .filter(
      (p) =>
        (hostFilter === null || p.host === hostFilter) &&
        (!args.after || compareMergedHostPositions(p, args.after) > 0),
    )
    .sort(compareMergedHostPositions)
    .slice(0, args.first)
    .map((position) => {
      const cursor = encodeMergedHostCursor('computeServices', position);
      const node = unknownService(position);
      return {
        position,
        cursor,
        edges: edgeFields.map((f) =>
          shape({ cursor, node }, f.selectionSet, req.planned.fragments, 'ComputeServiceEdge'),
        ),
      };
    });
  const made = stream<HostSource, MergedHostPosition>({ kind: 'unknown' }, rows);
  made.requests = 1;
  return { stream: made };
}

/** A mapped host of a cell that did not answer, as Nova 2.69 lists it: state UNKNOWN, the rest unknown. */
export function unknownService(position: MergedHostPosition): Record<string, unknown> {
  return {
    __typename: 'ComputeService',
    uuid: null,
    cellUuid: position.cellUuid,
    host: position.host,
    binary: 'nova-compute',
    disabled: null,
    disabledReason: null,
    forcedDown: null,
    lastSeenUp: null,
    state: 'UNKNOWN',
  };
}
