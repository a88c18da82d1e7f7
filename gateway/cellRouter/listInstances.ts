import { Kind, type FieldNode, type GraphQLFormattedError } from 'graphql';
import {
  CursorError,
  decodeCursor,
  normalizeSort,
  positionOf,
  SORT_FIELDS,
  type SortSpec,
} from '../../subgraphs/shared/instanceOrder';
import type { CellEntry } from './cellDirectory';
import { absorb, mergePage, type BatchOutcome, type CellStream, type MergeResult, type MergeRow } from './merge';
import { buildRequestStream, buildsApply } from './buildRecords';
import { buildOperation, field as fieldFromSource, variableDefinition } from './operation';
import { routerError, type FieldResult, type RouterRequest } from './routerContext';
import { selectSources } from './selectCells';
import { connectionResponse } from './connectionResponse';
import { isStartCursor } from './startCursor';
import { unknownRecords } from './unknownRecords';
import { mergedFields } from './shape';

const FIRST = variableDefinition('$__cr_first: Int');
const AFTER = variableDefinition('$__cr_after: String');
// Nova's "distributed" strategy: ask each cell for its share of the page plus 10%.
const BATCH_SLACK = 1.1;
const DEFAULT_FIRST = 50;

/** Errors a cell gives for the request itself: every cell would say the same. */
const REQUEST_ERROR_CODES = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED']);

/**
 * `instances(filter, sort, first, after)` over every relevant cell: asked in parallel
 * for a share of the page, k-way merged by the sort keys, continued per cell only when
 * that cell's share runs out. Cells that fail become CellResult rows and
 * `complete: false`; UNKNOWN records stand in for their instances where the rule allows.
 */
export async function routeInstanceList(req: RouterRequest): Promise<FieldResult> {
  const { field, planned } = req;
  const path = [field.responseKey];
  const args = parseArgs(req);
  if ('error' in args) return { data: null, errors: [routerError('BAD_USER_INPUT', args.error, path)] };
  const { sort, first, after, filter } = args;

  const selected = await selectSources(req, filter, buildsApply(filter));
  if ('error' in selected) return { data: null, errors: [selected.error] };
  const augmented = augment(field.node, sort);
  const edgeKeys = mergedFields(field.node.selectionSet, planned.fragments).filter((f) => f.name === 'edges').map((f) => f.key);
  let requestError: GraphQLFormattedError | undefined;
  const nestedErrors: GraphQLFormattedError[] = [];

  const fetchBatch = async (cell: CellEntry, count: number, cursor: string | null): Promise<BatchOutcome> => {
    const request = buildOperation(planned, [augmented], [
      { definition: FIRST, value: count },
      { definition: AFTER, value: cursor },
    ]);
    const outcome = await req.send(cell, request);
    if (!outcome.ok) return outcome;
    const connection = outcome.value.data?.[field.responseKey] as Record<string, unknown> | null | undefined;
    const errors = outcome.value.errors ?? [];
    if (!connection) {
      const first = errors[0];
      const code = String(first?.extensions?.code);
      if (REQUEST_ERROR_CODES.has(code)) requestError ??= { ...first, path };
      // The cell is up but its database is not: as unavailable as a dead process.
      if (code === 'CELL_UNAVAILABLE') return { ok: false, status: 'UNAVAILABLE', message: 'cell database unavailable', elapsedMs: outcome.elapsedMs };
      return { ok: false, status: 'ERROR', message: first?.message ?? 'cell answered without data', elapsedMs: outcome.elapsedMs };
    }
    for (const error of errors) nestedErrors.push({ ...error, path, extensions: { ...error.extensions, cellUuid: cell.info.uuid } });
    const routing = connection.__cr_edges as { cursor: string; node: Record<string, unknown> }[];
    const rows: MergeRow[] = routing.map((edge, i) => ({
      position: positionOf(edge.node, sort),
      cursor: edge.cursor,
      edges: edgeKeys.map((key) => (connection[key] as unknown[] | null)?.[i] ?? null),
    }));
    return { ok: true, batch: { rows, hasMore: Boolean((connection.__cr_page as { hasNextPage?: boolean })?.hasNextPage) }, elapsedMs: outcome.elapsedMs };
  };

  const streams: CellStream[] = selected.cells.map((cell) => ({ cell, buffer: [], hasMore: false, requests: 0, elapsedMs: 0 }));
  // Never more than the page from one cell: a single cell asked for first * 1.1 would
  // refuse a page of 1000 (its own bound), and rows past `first` can never be used.
  const batch = first === 0 ? 0 : Math.min(first, Math.ceil((first / Math.max(streams.length, 1)) * BATCH_SLACK));
  const [requests] = await Promise.all([
    selected.builds,
    ...streams.map(async (stream) => absorb(stream, await fetchBatch(stream.cell, batch, after))),
  ]);
  const building = buildRequestStream(req, requests, { filter, sort, after, first });
  if (requestError) return { data: null, errors: [requestError] };
  if (building.error) nestedErrors.push(building.error);
  const nextBatch = (stream: CellStream, count: number) => fetchBatch(stream.cell, count, stream.lastCursor ?? after);
  const merged = building.stream ? dropScheduled(await mergePage([...streams, building.stream], first, sort, nextBatch)) : await mergePage(streams, first, sort, nextBatch);
  req.logger.info({ requestId: req.requestId, rounds: merged.rounds, cells: streams.length, first, rows: merged.rows.length }, 'instances page merged');

  const unknown = await unknownRecords(req, { streams, filter, sortGiven: args.sortGiven, room: first - merged.rows.length });
  const data = connectionResponse(req, { streams, merged, unknown, after: args.rawAfter, sort, edgeKeys });
  return { data, errors: nestedErrors };
}

// A server scheduled between reading the build requests and reading the cells shows up
// in both: the cell's row wins.
function dropScheduled(merged: MergeResult): MergeResult {
  const counts = new Map<string, number>();
  for (const row of merged.rows) counts.set(row.position.uuid, (counts.get(row.position.uuid) ?? 0) + 1);
  if ([...counts.values()].every((n) => n === 1)) return merged;
  const seen = new Set<string>();
  const rows = merged.rows.filter((row) => !(counts.get(row.position.uuid)! > 1 && row.fromBuildRequest) && !seen.has(row.position.uuid) && seen.add(row.position.uuid));
  return { ...merged, rows };
}

interface ListArgs {
  sort: SortSpec[];
  sortGiven: boolean;
  first: number;
  after: string | null;
  rawAfter: string | null;
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
    // The start cursor (UNKNOWN records on an empty page) means "from the beginning".
    const after = rawAfter && !isStartCursor(rawAfter) ? rawAfter : null;
    if (after) decodeCursor(after, sort);
    const sortGiven = Array.isArray(args.sort) && args.sort.length > 0;
    return { sort, sortGiven, first, after, rawAfter, filter };
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
