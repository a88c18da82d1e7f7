import { Kind, type FieldNode, type GraphQLFormattedError } from 'graphql';
import {
  CursorError,
  decodeCursor,
  normalizeSort,
  positionOf,
  SORT_FIELDS,
  type SortSpec,
} from '../../domain/instanceOrder';
import { databaseFailureMessage } from '../../domain/databaseFailure';
import type { CellEntry } from './cellDirectory';
import { absorb, mergePage, type BatchOutcome, type CellStream, type MergeResult, type MergeRow } from './merge';
import { buildRequestStream, buildsApply } from './buildRecords';
import { buildOperation, field as fieldFromSource, variableDefinition } from './operation';
import { routerError, type FieldResult, type RouterRequest } from './routerContext';
import { selectSources } from './selectCells';
import { connectionResponse } from './connectionResponse';
import { isStartCursor, readUnknownCursor, type UnknownPhase } from './startCursor';
import { failedCells, unknownRecords, unknownRecordsApply } from './unknownRecords';
import { mergedFields } from './shape';
import { ErrorCode } from '../../domain/errors';

const FIRST = variableDefinition('$__cr_first: Int');
const AFTER = variableDefinition('$__cr_after: String');
// Nova's "distributed" strategy: ask each cell for its share of the page plus 10%.
const BATCH_SLACK = 1.1;
const DEFAULT_FIRST = 50;

/** Errors a cell gives for the request itself: every cell would say the same. */
const REQUEST_ERROR_CODES = new Set<string>([ErrorCode.BAD_USER_INPUT, ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED]);

/**
 * `instances(filter, sort, first, after)` over every relevant cell: asked in parallel
 * for a share of the page, k-way merged by the sort keys, continued per cell only when
 * that cell's share runs out. Cells that fail become CellResult rows and
 * `complete: false`; where the rule allows, UNKNOWN records stand in for their instances
 * after the last live row, and page on by uuid (see startCursor).
 */
export async function routeInstanceList(req: RouterRequest): Promise<FieldResult> {
  const { field, planned } = req;
  const path = [field.responseKey];
  const args = parseArgs(req);
  if ('error' in args) return { data: null, errors: [routerError(ErrorCode.BAD_USER_INPUT, args.error, path)] };
  const { sort, first, after, filter } = args;
  if (args.unknownPhase) return continueUnknown(req, args, args.unknownPhase);

  const selected = await selectSources(req, filter, buildsApply(filter));
  if ('error' in selected) return { data: null, errors: [selected.error] };
  const augmented = augment(field.node, sort);
  const edgeKeys = mergedFields(field.node.selectionSet, planned.fragments)
    .filter((f) => f.name === 'edges')
    .map((f) => f.key);
  let requestError: GraphQLFormattedError | undefined;
  const nestedErrors: GraphQLFormattedError[] = [];

  const fetchBatch = async (cell: CellEntry, count: number, cursor: string | null): Promise<BatchOutcome> => {
    const request = buildOperation(
      planned,
      [augmented],
      [
        { definition: FIRST, value: count },
        { definition: AFTER, value: cursor },
      ],
    );
    const outcome = await req.send(cell, request);
    if (!outcome.ok) return logged(cell, outcome);
    const connection = outcome.value.data?.[field.responseKey] as Record<string, unknown> | null | undefined;
    const errors = outcome.value.errors ?? [];
    if (!connection) {
      const first = errors[0];
      const code = String(first?.extensions?.code);
      if (REQUEST_ERROR_CODES.has(code)) requestError ??= { ...first, path };
      return logged(cell, { ...answeredWithout(first), elapsedMs: outcome.elapsedMs, detail: first?.message });
    }
    for (const error of errors)
      nestedErrors.push({ ...error, path, extensions: { ...error.extensions, cellUuid: cell.info.uuid } });
    const routing = connection.__cr_edges as { cursor: string; node: Record<string, unknown> }[] | undefined;
    if (!Array.isArray(routing))
      return logged(cell, {
        ok: false,
        status: 'ERROR',
        message: 'cell answered with an unexpected shape',
        elapsedMs: outcome.elapsedMs,
      });
    const rows: MergeRow[] = routing.map((edge, i) => ({
      position: positionOf(edge.node, sort),
      cursor: edge.cursor,
      edges: edgeKeys.map((key) => (connection[key] as unknown[] | null)?.[i] ?? null),
    }));
    return {
      ok: true,
      batch: { rows, hasMore: Boolean((connection.__cr_page as { hasNextPage?: boolean })?.hasNextPage) },
      elapsedMs: outcome.elapsedMs,
    };
  };

  // Clients see the fixed message; the raw text behind it goes to the log with the request id.
  const logged = (cell: CellEntry, failure: Extract<BatchOutcome, { ok: false }>): BatchOutcome => {
    req.logger.warn(
      {
        requestId: req.requestId,
        cell: cell.info.uuid,
        status: failure.status,
        message: failure.message,
        detail: failure.detail,
      },
      'cell did not answer a list in full',
    );
    return failure;
  };

  const streams: CellStream[] = selected.cells.map((cell) => ({
    cell,
    buffer: [],
    hasMore: false,
    requests: 0,
    elapsedMs: 0,
  }));
  // Never more than the page from one cell: a single cell asked for first * 1.1 would
  // refuse a page of 1000 (its own bound), and rows past `first` can never be used.
  const batch = first === 0 ? 0 : Math.min(first, Math.ceil((first / Math.max(streams.length, 1)) * BATCH_SLACK));
  const [requests] = await Promise.all([
    selected.builds,
    ...streams.map(async (stream) => absorb(stream, await fetchBatch(stream.cell, batch, after))),
  ]);
  const building = buildRequestStream(req, requests, { sort, after, first });
  if (requestError) return { data: null, errors: [requestError] };
  if (building.error) nestedErrors.push(building.error);
  const nextBatch = (stream: CellStream, count: number) => fetchBatch(stream.cell, count, stream.lastCursor ?? after);
  const merged = building.stream
    ? dropScheduled(await mergePage([...streams, building.stream], first, sort, nextBatch))
    : await mergePage(streams, first, sort, nextBatch);
  req.logger.info(
    { requestId: req.requestId, rounds: merged.rounds, cells: streams.length, first, rows: merged.rows.length },
    'instances page merged',
  );

  // Past the last live row, the walk goes on into the UNKNOWN records of the cells that failed.
  const failed = failedCells(streams);
  const reachesUnknown =
    !merged.hasNextPage && first > 0 && failed.length > 0 && unknownRecordsApply(filter, args.sortGiven);
  const unknown = reachesUnknown
    ? await unknownRecords(req, filter, { afterUuid: null, cells: failed }, first - merged.rows.length)
    : null;
  if (unknown?.error) nestedErrors.push(unknown.error);
  const cells = streams.map((s) => ({
    cellUuid: s.cell.info.uuid,
    cellName: s.cell.info.name,
    status: s.failure?.status ?? 'OK',
    message: s.failure?.message ?? null,
    elapsedMs: Math.round(s.elapsedMs * 100) / 100,
  }));
  const data = connectionResponse(req, {
    live: merged.rows,
    liveHasMore: merged.hasNextPage,
    unknown,
    cells,
    complete: !failed.length,
    sort,
    edgeKeys,
  });
  return { data, errors: nestedErrors };
}

/**
 * A page in the UNKNOWN phase: every live row was shown, so no cell is asked; the
 * records of the cells the cursor names continue from the instance mappings, by uuid.
 * A cell that came back since keeps being listed as UNKNOWN until the walk ends, so the
 * walk shows every record exactly once.
 */
async function continueUnknown(req: RouterRequest, args: ListArgs, phase: UnknownPhase): Promise<FieldResult> {
  const path = [req.field.responseKey];
  if (!unknownRecordsApply(args.filter, args.sortGiven)) {
    return {
      data: null,
      errors: [
        routerError(
          ErrorCode.BAD_USER_INPUT,
          'after: a cursor of UNKNOWN records continues only a list filtered by project alone and not sorted explicitly',
          path,
        ),
      ],
    };
  }
  const known = (await Promise.all(phase.cells.map(async (c) => ({ ...c, entry: await req.cell(c.uuid) })))).filter(
    (c) => c.entry,
  );
  const unknown = await unknownRecords(
    req,
    args.filter,
    { afterUuid: phase.afterUuid, cells: known.map(({ uuid, status }) => ({ uuid, status })) },
    args.first,
  );
  const cells = known.map((c) => ({
    cellUuid: c.uuid,
    cellName: c.entry!.info.name,
    status: c.status,
    message: NOT_ASKED,
    elapsedMs: 0,
  }));
  const edgeKeys = mergedFields(req.field.node.selectionSet, req.planned.fragments)
    .filter((f) => f.name === 'edges')
    .map((f) => f.key);
  const data = connectionResponse(req, {
    live: [],
    liveHasMore: false,
    unknown,
    cells,
    complete: false,
    sort: args.sort,
    edgeKeys,
  });
  return { data, errors: unknown.error ? [unknown.error] : [] };
}

const NOT_ASKED = 'not asked: past the live rows, its instances continue as UNKNOWN records';

/**
 * What a cell's row says when it answered without the connection: its database is down
 * (UNAVAILABLE, the cell's fixed message for the cause), or it answered wrongly (ERROR).
 * The cell's own message is never shown: only its code and reason are read.
 */
export function answeredWithout(first: GraphQLFormattedError | undefined): {
  ok: false;
  status: 'UNAVAILABLE' | 'ERROR';
  message: string;
} {
  if (!first) return { ok: false, status: 'ERROR', message: 'cell answered without data' };
  if (first.extensions?.code === ErrorCode.CELL_UNAVAILABLE)
    return { ok: false, status: 'UNAVAILABLE', message: databaseFailureMessage(first.extensions.reason) };
  return { ok: false, status: 'ERROR', message: 'cell answered with an error' };
}

// A server scheduled between reading the build requests and reading the cells shows up
// in both: the cell's row wins.
function dropScheduled(merged: MergeResult): MergeResult {
  const counts = new Map<string, number>();
  for (const row of merged.rows) counts.set(row.position.uuid, (counts.get(row.position.uuid) ?? 0) + 1);
  if ([...counts.values()].every((n) => n === 1)) return merged;
  const seen = new Set<string>();
  const rows = merged.rows.filter(
    (row) =>
      !(counts.get(row.position.uuid)! > 1 && row.fromBuildRequest) &&
      !seen.has(row.position.uuid) &&
      seen.add(row.position.uuid),
  );
  return { ...merged, rows };
}

interface ListArgs {
  sort: SortSpec[];
  sortGiven: boolean;
  first: number;
  /** A live row's cursor (for the cells), or null. */
  after: string | null;
  /** Set when `after` was a cursor of the UNKNOWN phase. */
  unknownPhase: UnknownPhase | null;
  filter: Record<string, unknown>;
}

function parseArgs(req: RouterRequest): ListArgs | { error: string } {
  const { args } = req.field;
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  const first = args.first ?? DEFAULT_FIRST;
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > req.maxFirst) {
    return { error: `first: expected an integer from 0 to ${req.maxFirst}, got ${JSON.stringify(first)}` };
  }
  try {
    const sort = normalizeSort(args.sort as Parameters<typeof normalizeSort>[0]);
    const rawAfter = typeof args.after === 'string' && args.after ? args.after : null;
    const sortGiven = Array.isArray(args.sort) && args.sort.length > 0;
    const unknownPhase = rawAfter ? readUnknownCursor(rawAfter, sort) : null;
    if (unknownPhase) return { sort, sortGiven, first, after: null, unknownPhase, filter };
    // The old start cursor (UNKNOWN records on an empty page) means "from the beginning".
    const after = rawAfter && !isStartCursor(rawAfter) ? rawAfter : null;
    if (after) decodeCursor(after, sort);
    return { sort, sortGiven, first, after, unknownPhase: null, filter };
  } catch (err) {
    if (err instanceof CursorError) return { error: err.message };
    throw err;
  }
}

// The client's field, with the router's own first/after, plus what the merge needs:
// every edge's cursor and the sort-key values (under aliases the answer drops).
function augment(node: FieldNode, sort: SortSpec[]): FieldNode {
  const sortFields = sort.map((s) => SORT_FIELDS[s.key].field).join(' ');
  const routing = fieldFromSource(`__cr_edges: edges { cursor node { uuid ${sortFields} } }`);
  const page = fieldFromSource('__cr_page: pageInfo { hasNextPage }');
  const kept = (node.arguments ?? []).filter((a) => a.name.value !== 'first' && a.name.value !== 'after');
  return {
    ...node,
    arguments: [
      ...kept,
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: FIRST.variable },
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'after' }, value: AFTER.variable },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [...(node.selectionSet?.selections ?? []), routing, page] },
  };
}
