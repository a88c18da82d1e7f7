/**
 * The multi-cell list (Nova's multi_cell_list + instance_list): `instances(filter, sort,
 * first, after)` over every relevant cell. Read top to bottom:
 *
 *   1. arguments   checked once, into ListArgs
 *   2. sources     the cells to ask and the build requests, as one kind of source stream
 *   3. fan-out     one batch from one cell, through the request's RequestFanOut
 *   4. merge       the k-way merge (mergeSources.ts), cells continued only when they run dry
 *   5. UNKNOWN     records for the instances of cells that did not answer (Nova 2.69)
 *   6. assembly    the connection in the client's shape (connectionShape.ts)
 *
 * Terms: `__cr_` ("cell router") prefixes what the router adds to a client's query and
 * the client never sees (its own first/after variables, the routing fields every row
 * needs that the client did not select; the answer takes the client's shape); a stream *absorbs* a batch (its rows join the buffer, or its failure is kept);
 * a source is *starving* when its buffer is empty and it may hold the next row, so the
 * page waits for it; `room` is how many rows a page still has space for.
 *
 * More connections (the seam): a connection is its root field and typenames
 * (ListedConnection) and its RowRouting: the node fields the merge asks of each row, a
 * row's position in the order, and the cursor the merged page hands out. ListFanOut
 * (section 3) reads any cell-level connection with it; mergeSources merges by any order;
 * connectionShape answers in the client's shape. `computeServices`/`computeNodes` go that
 * way in hostList.ts (host, cell, id; merged cursors that name the cell). Build requests
 * and UNKNOWN instance records stay here, instance-only. Each connection has its case in
 * cellRouterDataSource's `route` and is in LISTED_CONNECTIONS (listedConnections.ts),
 * which limits counts as fan-outs.
 */
import { Kind, type FieldNode, type GraphQLFormattedError, type SelectionNode } from 'graphql';
import { databaseFailureMessage } from '../../domain/databaseFailure';
import { ErrorCode } from '../../domain/errors';
import {
  comparePositions,
  CursorError,
  decodeCursor,
  encodeCursor,
  normalizeSort,
  positionOf,
  SORT_FIELDS,
  type Position,
  type SortSpec,
} from '../../domain/instanceOrder';
import { succeed } from '../../domain/outcome';
import type { BuildRequestFilter, BuildRequestInfo, GlobalOutcome, KnownInstance } from '../globalClient';
import type { CellEntry } from './cellDirectory';
import { connectionResponse, edgeKeys, mergedFields, shape, type CellRow, type MergedField } from './connectionShape';
import { loadMappings } from './mappingCache';
import { absorb, mergePage, type BatchOutcome, type MergeRow, type SourceStream } from './mergeSources';
import { buildOperation, field as fieldFromSource, variableDefinition } from './operation';
import { cellValue, type OriginCell } from './routerFields';
import { logGlobalFailure, routerError, type FieldResult, type RouterRequest } from './routerRequest';
import { encodeUnknownCursor, isStartCursor, readUnknownCursor, type UnknownPhase } from './unknownCursor';

/**
 * A cell-level Relay connection listed across cells (see "More connections" above): its
 * root field and typenames; its order comes to ListFanOut as a RowRouting.
 */
export interface ListedConnection {
  /** The root field on the cell subgraph's Query, routed here. */
  rootField: string;
  typenames: { connection: string; edge: string };
}

export const INSTANCES: ListedConnection = {
  rootField: 'instances',
  typenames: { connection: 'InstanceConnection', edge: 'InstanceEdge' },
};

/** Page size when the client gives no `first` (limits.ts prices such a list with it too). */
export const DEFAULT_FIRST = 50;
// Nova's "distributed" strategy: ask each cell for its share of the page plus 10%.
const BATCH_SLACK = 1.1;

/**
 * The first batch asked of each cell: its share of `first` among the cells the request will
 * reach, plus BATCH_SLACK, never more than the page (a single cell asked for first * 1.1
 * would refuse a page of 1000, its own bound, and rows past `first` can never be used).
 * A cell whose circuit skips it gives no rows, so its share goes to the others: counted
 * in, ten cells with one open gave the nine others 6 rows each for a page of 50, and four
 * of them were asked again for every page. The share only sizes the first round; a cell
 * that runs out is asked again either way, so the page is the same.
 */
export function firstBatch(first: number, cells: readonly CellEntry[]): number {
  if (first === 0) return 0;
  const reached = cells.filter((cell) => !cell.breaker.skips()).length;
  return Math.min(first, Math.ceil((first / Math.max(reached, 1)) * BATCH_SLACK));
}

const FIRST = variableDefinition('$__cr_first: Int');
const AFTER = variableDefinition('$__cr_after: String');

/** Errors a cell gives for the request itself: every cell would say the same. */
const REQUEST_ERROR_CODES = new Set<string>([ErrorCode.BAD_USER_INPUT, ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED]);

/**
 * `instances` over every relevant cell: asked in parallel for a share of the page, k-way
 * merged by the sort keys, continued per cell only when that cell's share runs out.
 * Cells that fail become CellResult rows and `complete: false`; where the rule allows,
 * UNKNOWN records stand in for their instances after the last live row, and page on by
 * uuid (see unknownCursor.ts).
 */
export async function routeInstanceList(req: RouterRequest): Promise<FieldResult> {
  const path = [req.field.responseKey];
  const args = parseArgs(req);
  if ('error' in args) return { data: null, errors: [routerError(ErrorCode.BAD_USER_INPUT, args.error, path)] };
  // The client's selection, merged by response key once: rows, BUILD records and the answer all read it.
  const selection = mergedFields(req.field.node.selectionSet, req.planned.fragments);
  if (args.unknownPhase) return continueUnknown(req, args, args.unknownPhase, selection);

  const selected = await selectSources(req, args.filter);
  if ('error' in selected) return { data: null, errors: [selected.error] };
  const fanOut = new ListFanOut(req, instanceRouting(args.sort), selection);
  const streams: ListStream[] = selected.cells.map((cell) => stream({ kind: 'cell', cell }));
  const { first, after, sort } = args;
  const batch = firstBatch(first, selected.cells);
  const [builds] = await Promise.all([
    selected.builds,
    ...streams.map(async (s) => absorb(s, await fanOut.batch(s, batch, after))),
  ]);
  const building = buildRequestStream(req, builds, args, selection);
  if (fanOut.requestError) return { data: null, errors: [fanOut.requestError] };
  if (building.error) fanOut.errors.push(building.error);

  const merged = await mergePage<ListSource>(
    building.stream ? [...streams, building.stream] : streams,
    first,
    sort,
    (s, count) => fanOut.batch(s, count, s.lastCursor ?? after),
  );
  // A server scheduled between reading the build requests and reading the cells shows up in both.
  if (building.stream) merged.rows = dropScheduled(merged.rows);
  req.logger.info(
    { requestId: req.requestId, rounds: merged.rounds, cells: streams.length, first, rows: merged.rows.length },
    'instances page merged',
  );

  // Past the last live row, the walk goes on into the UNKNOWN records of the cells that failed.
  const failed = streams.flatMap((s) =>
    s.failure ? [{ uuid: s.source.cell.info.uuid, status: s.failure.status }] : [],
  );
  const reachesUnknown =
    !merged.hasNextPage && first > 0 && failed.length > 0 && unknownRecordsApply(args.filter, args.sortGiven);
  const unknown = reachesUnknown
    ? await unknownRecords(req, args.filter, { afterUuid: null, cells: failed }, first - merged.rows.length)
    : null;
  if (unknown?.error) fanOut.errors.push(unknown.error);
  const cells = streams.map((s) => ({
    cellUuid: s.source.cell.info.uuid,
    cellName: s.source.cell.info.name,
    status: s.failure?.status ?? 'OK',
    message: s.failure?.message ?? null,
    elapsedMs: Math.round(s.elapsedMs * 100) / 100,
  }));
  const data = assemble(req, selection, args.sort, {
    live: merged.rows,
    liveHasMore: merged.hasNextPage,
    unknown,
    cells,
    complete: !failed.length,
  });
  return { data, errors: fanOut.errors };
}

// ─── 1. Arguments ──────────────────────────────────────────────────────────────────────

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

/** The project a list is scoped to; null for an admin listing all projects. */
function listProject(req: RouterRequest, filter: Record<string, unknown>): string | null {
  if (req.identity.isAdmin && filter.allProjects === true) return null;
  if (req.identity.isAdmin && typeof filter.projectId === 'string') return filter.projectId;
  return req.identity.projectId;
}

// ─── 2. Sources ────────────────────────────────────────────────────────────────────────

/** Whose rows a stream holds: one cell's, or the build requests' (servers no cell holds yet). */
type ListSource = { kind: 'cell'; cell: CellEntry } | { kind: 'buildRequests' };
type ListStream = SourceStream<Extract<ListSource, { kind: 'cell' }>>;

export function stream<S, P = Position>(source: S, buffer: MergeRow<P>[] = []): SourceStream<S, P> {
  return { source, buffer, hasMore: false, requests: 0, elapsedMs: 0 };
}

/** Where a list looks: the cells to ask, and the build requests (or why they are missing). */
interface ListSources {
  cells: CellEntry[];
  /** Resolves to the build requests to list as BUILD (or why they could not be read); null when none apply. */
  builds: Promise<GlobalOutcome<BuildRequestInfo[] | null> | null>;
}

/**
 * The cells that can hold matching rows, enabled or disabled alike: the one named by
 * `filter.cellUuid`; those the mappings place `filter.uuids` in; for one project, the
 * cells its mappings name; else every cell. When the global subgraph cannot say, every
 * cell is asked (a superset is always correct). For one project the cells and the
 * build requests come from one global request.
 */
async function selectSources(
  req: RouterRequest,
  filter: Record<string, unknown>,
): Promise<ListSources | { error: GraphQLFormattedError }> {
  const path = [req.field.responseKey];
  const wantBuilds = buildsApply(filter);
  const project = listProject(req, filter);
  const uuids = Array.isArray(filter.uuids) ? (filter.uuids as string[]) : null;
  const buildsAlone = async () => {
    if (!wantBuilds) return null;
    const context = await req.global.listContext(
      { projectId: project, cellsOf: false, builds: true, uuids, buildFilter: buildRequestFilter(filter) },
      req.requestId,
    );
    return context.ok ? succeed(context.value.buildRequests) : context;
  };
  if (typeof filter.cellUuid === 'string') {
    const cell = await req.fanOut.get(filter.cellUuid);
    if (!cell) {
      const message = `filter.cellUuid: no cell with uuid ${JSON.stringify(filter.cellUuid)}`;
      return { error: routerError(ErrorCode.BAD_USER_INPUT, message, path) };
    }
    return { cells: [cell], builds: Promise.resolve(null) };
  }
  const all = await req.fanOut.all();
  if (uuids) {
    const builds = buildsAlone();
    const mappings = await loadMappings(req.mappings, uuids);
    if (!mappings.ok) return { cells: all, builds };
    return {
      cells: await knownCells(
        req,
        mappings.value.map((m) => m?.cellUuid),
      ),
      builds,
    };
  }
  if (project === null) return { cells: all, builds: buildsAlone() };
  const context = await req.global.listContext(
    { projectId: project, cellsOf: true, builds: wantBuilds, uuids: null, buildFilter: buildRequestFilter(filter) },
    req.requestId,
  );
  if (!context.ok) {
    logGlobalFailure(req, context, 'could not narrow cells from the mappings; asking every cell');
    return { cells: all, builds: Promise.resolve(context) };
  }
  return {
    cells: await knownCells(req, context.value.cellUuids ?? []),
    builds: Promise.resolve(succeed(context.value.buildRequests)),
  };
}

// The cells of `uuids` the directory knows, each once.
async function knownCells(req: RouterRequest, uuids: (string | null | undefined)[]): Promise<CellEntry[]> {
  const wanted = new Set(uuids.filter((uuid): uuid is string => Boolean(uuid)));
  const cells = await Promise.all([...wanted].map((uuid) => req.fanOut.get(uuid)));
  return cells.filter((c): c is CellEntry => Boolean(c));
}

// Filters a build request can never match: it has no host and no cell yet.
const EXCLUDING = ['host', 'cellUuid'] as const;

/** Whether build requests can match `filter` at all (they have no host and no cell yet). */
function buildsApply(filter: Record<string, unknown>): boolean {
  if (EXCLUDING.some((key) => filter[key] !== undefined && filter[key] !== null)) return false;
  return typeof filter.status !== 'string' || filter.status.toUpperCase() === 'BUILD';
}

/**
 * The part of a list's filter the global subgraph applies to build requests, in SQL:
 * `name` is a regular expression evaluated by PostgreSQL with the cells' operator, so
 * a pattern means the same for every row and never runs in the gateway.
 */
function buildRequestFilter(filter: Record<string, unknown>): BuildRequestFilter {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { name: text(filter.name), userId: text(filter.userId), changesSince: text(filter.changesSince) };
}

/**
 * Accepted servers that no cell holds yet, listed as BUILD the way Nova lists build
 * requests first: one stream beside the cells' in the merge, ordered here (the global
 * subgraph filtered them, see buildRequestFilter), all in one batch. When they could
 * not be read the list goes on without them and says so with an error.
 */
function buildRequestStream(
  req: RouterRequest,
  read: GlobalOutcome<BuildRequestInfo[] | null> | null,
  args: ListArgs,
  selection: MergedField[],
): { stream: SourceStream<ListSource> | null; error?: GraphQLFormattedError } {
  if (read === null || (read.ok && read.value === null)) return { stream: null };
  if (!read.ok) {
    logGlobalFailure(req, read, 'build requests could not be read');
    return {
      stream: null,
      error: {
        message: 'servers being scheduled (BUILD) could not be read and are missing from this page',
        path: [req.field.responseKey],
        extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
      },
    };
  }
  const { sort, first } = args;
  const after = args.after ? decodeCursor(args.after, sort) : null;
  const edgeFields = selection.filter((f) => f.name === 'edges');
  const rows: MergeRow[] = (read.value ?? [])
    .map((r) => {
      const node = buildNode(r);
      const position = positionOf(node, sort);
      const cursor = encodeCursor(position, sort);
      return {
        position,
        cursor,
        fromBuildRequest: true,
        edges: edgeFields.map((f) => shape({ cursor, node }, f.selectionSet, req.planned.fragments, 'InstanceEdge')),
      };
    })
    .filter((row) => !after || comparePositions(row.position, after, sort) > 0)
    .sort((a, b) => comparePositions(a.position, b.position, sort))
    .slice(0, first);
  const built = stream<ListSource>({ kind: 'buildRequests' }, rows);
  built.requests = 1;
  return { stream: built };
}

/** What an instance looks like before any cell holds it (Nova: vm_state building, task scheduling). */
export function buildNode(r: BuildRequestInfo): Record<string, unknown> {
  return {
    __typename: 'Instance',
    uuid: r.instanceUuid,
    status: 'BUILD',
    vmState: 'building',
    taskState: 'scheduling',
    powerState: 0,
    powerStateName: 'NOSTATE',
    projectId: r.projectId,
    userId: r.userId,
    displayName: r.displayName,
    createdAt: r.createdAt,
    updatedAt: null,
    launchedAt: null,
    imageRef: r.imageRef,
    availabilityZone: r.availabilityZone,
    flavor: r.flavor ? { __typename: 'Flavor', id: r.flavor.id } : null,
    metadata: [],
    faults: [],
  };
}

// ─── 3. Fan-out ────────────────────────────────────────────────────────────────────────

/**
 * What the fan-out needs of a connection's order to read a cell's rows: the fields of a
 * node the merge needs (see withRoutingFields), a row's position from them, and the
 * cursor the merged page hands out for it (the cell's own, when cursors are global).
 */
export interface RowRouting<P> {
  nodeFields: string;
  positionOf(edge: { cursor: string; node: Record<string, unknown> }, cell: CellEntry): P;
  rowCursor(cellCursor: string, position: P): string;
}

function instanceRouting(sort: SortSpec[]): RowRouting<Position> {
  return {
    nodeFields: `uuid ${sort.map((s) => SORT_FIELDS[s.key].field).join(' ')}`,
    positionOf: (edge) => positionOf(edge.node, sort),
    // Instance uuids are global: a cell's cursor is the merged page's.
    rowCursor: (cellCursor) => cellCursor,
  };
}

/**
 * One list's calls to its cells: the client's field rewritten once (`cellField`), then
 * one batch per call. Collects what the cells said beside their rows: a request error
 * (every cell would say the same, so the list fails with it) and nested errors.
 */
export class ListFanOut<P = Position> {
  requestError: GraphQLFormattedError | undefined;
  readonly errors: GraphQLFormattedError[] = [];
  /** The client's field as each cell is asked it: the router's first/after, plus its routing fields. */
  private readonly cellField: FieldNode;
  /** Reads each row's cursor and routing fields from a cell's connection. */
  private readonly routingRows: RoutingReader;
  private readonly edgeKeys: string[];

  constructor(
    private readonly req: RouterRequest,
    private readonly routing: RowRouting<P>,
    selection: MergedField[],
  ) {
    ({ field: this.cellField, read: this.routingRows } = withRoutingFields(req.field.node, routing.nodeFields));
    this.edgeKeys = edgeKeys(selection);
  }

  /** Up to `count` rows of one cell after `cursor`, as the merge reads them. */
  async batch(
    stream: SourceStream<{ kind: string; cell?: CellEntry }, P>,
    count: number,
    cursor: string | null,
  ): Promise<BatchOutcome<P>> {
    const { req } = this;
    // The build requests came in one batch and never claim more: only cells are asked again.
    const { cell } = stream.source;
    if (!cell) return { ok: true, batch: { rows: [], hasMore: false }, elapsedMs: 0 };
    const path = [req.field.responseKey];
    const request = buildOperation(
      req.planned,
      [this.cellField],
      [
        { definition: FIRST, value: count },
        { definition: AFTER, value: cursor },
      ],
    );
    const outcome = await req.fanOut.send(cell, request);
    if (!outcome.ok) return this.logged(cell, outcome);
    const connection = outcome.value.data?.[req.field.responseKey] as Record<string, unknown> | null | undefined;
    const errors = outcome.value.errors ?? [];
    if (!connection) {
      const first = errors[0];
      if (REQUEST_ERROR_CODES.has(String(first?.extensions?.code))) this.requestError ??= { ...first, path };
      return this.logged(cell, { ...answeredWithout(first), elapsedMs: outcome.elapsedMs, detail: first?.message });
    }
    for (const error of errors)
      this.errors.push({ ...error, path, extensions: { ...error.extensions, cellUuid: cell.info.uuid } });
    const routing = this.routingRows(connection);
    if (!routing) {
      const wrong = { status: 'ERROR' as const, message: 'cell answered with an unexpected shape' };
      return this.logged(cell, { ok: false, ...wrong, elapsedMs: outcome.elapsedMs });
    }
    const rows: MergeRow<P>[] = routing.map((edge, i) => {
      const position = this.routing.positionOf(edge, cell);
      return {
        position,
        cursor: this.routing.rowCursor(edge.cursor, position),
        edges: this.edgeKeys.map((key) => (connection[key] as unknown[] | null)?.[i] ?? null),
      };
    });
    const hasMore = Boolean((connection.__cr_page as { hasNextPage?: boolean })?.hasNextPage);
    return { ok: true, batch: { rows, hasMore }, elapsedMs: outcome.elapsedMs };
  }

  // Clients see the fixed message; the raw text behind it goes to the log with the request id.
  private logged(cell: CellEntry, failure: Extract<BatchOutcome, { ok: false }>): BatchOutcome<P> {
    const { status, message, detail } = failure;
    this.req.logger.warn(
      { requestId: this.req.requestId, cell: cell.info.uuid, status, message, detail },
      'cell did not answer a list in full',
    );
    return failure;
  }
}

/** A row's cursor and the node fields its position is read from, as the cells answered them. */
type RoutingEdge = { cursor: string; node: Record<string, unknown> };
/** The routing edges of a cell's connection, or undefined when it has none (a wrong answer). */
type RoutingReader = (connection: Record<string, unknown>) => RoutingEdge[] | undefined;

/**
 * The client's field with the router's own first/after, plus what the merge needs from
 * each row: its cursor and its order's fields. Where the client's field selects `edges`
 * plainly (no directive, not through a fragment), they are read from those edges: the
 * client's own `cursor` and node fields where it selects them, else under `__cr_`
 * aliases added beside them, which the answer drops (the gateway shapes the answer by
 * the client's selection). Otherwise a list of its own, `__cr_edges`, carries them.
 * Computed once per client field node and routing: parseOperation hands out the same
 * nodes for the same planned text, so buildOperation finds the printed request again.
 */
const routedFields = new WeakMap<FieldNode, Map<string, { field: FieldNode; read: RoutingReader }>>();

function withRoutingFields(node: FieldNode, nodeFields: string): { field: FieldNode; read: RoutingReader } {
  let byRouting = routedFields.get(node);
  if (!byRouting) routedFields.set(node, (byRouting = new Map()));
  let routed = byRouting.get(nodeFields);
  if (!routed) byRouting.set(nodeFields, (routed = routingFieldsAdded(node, nodeFields)));
  return routed;
}

function routingFieldsAdded(node: FieldNode, nodeFields: string): { field: FieldNode; read: RoutingReader } {
  const page = fieldFromSource('__cr_page: pageInfo { hasNextPage }');
  const kept = (node.arguments ?? []).filter((a) => a.name.value !== 'first' && a.name.value !== 'after');
  const selections = node.selectionSet?.selections ?? [];
  const edges = selections.findIndex((s) => plainField(s, 'edges') && s.selectionSet);
  let routed: { selections: readonly SelectionNode[]; read: RoutingReader };
  if (edges >= 0) {
    const embedded = embedRouting(selections[edges] as FieldNode, nodeFields.split(/\s+/).filter(Boolean));
    routed = { selections: selections.map((s, i) => (i === edges ? embedded.field : s)), read: embedded.read };
  } else {
    const routing = fieldFromSource(`__cr_edges: edges { cursor node { ${nodeFields} } }`);
    routed = {
      selections: [...selections, routing],
      read: (connection) => {
        const list = connection.__cr_edges;
        return Array.isArray(list) ? (list as RoutingEdge[]) : undefined;
      },
    };
  }
  return {
    field: {
      ...node,
      arguments: [
        ...kept,
        { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: FIRST.variable },
        { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'after' }, value: AFTER.variable },
      ],
      selectionSet: { kind: Kind.SELECTION_SET, selections: [...routed.selections, page] },
    },
    read: routed.read,
  };
}

// A field of this name selected as such: no directive can leave it out of an answer.
function plainField(selection: SelectionNode, name: string): selection is FieldNode {
  return selection.kind === Kind.FIELD && selection.name.value === name && !selection.directives?.length;
}

/** The key a plain field `name` of `selections` answers under, or one added for it under a `__cr_` alias. */
function keyFor(selections: SelectionNode[], name: string, sub?: string): string {
  const found = selections.find((s) => plainField(s, name) && (sub === undefined || s.selectionSet));
  if (found) return responseKeyOf(found as FieldNode);
  const key = `__cr_${name}`;
  selections.push(fieldFromSource(sub === undefined ? `${key}: ${name}` : `${key}: ${name} { ${sub} }`));
  return key;
}

function responseKeyOf(node: FieldNode): string {
  return node.alias?.value ?? node.name.value;
}

// The client's `edges` with the cursor and the routing fields of its node made sure of.
function embedRouting(edges: FieldNode, names: string[]): { field: FieldNode; read: RoutingReader } {
  const edgeSelections = [...edges.selectionSet!.selections];
  const edgesKey = responseKeyOf(edges);
  const cursorKey = keyFor(edgeSelections, 'cursor');
  const nodeIndex = edgeSelections.findIndex((s) => plainField(s, 'node') && s.selectionSet);
  let nodeKey: string;
  let fieldKeys: [string, string][];
  if (nodeIndex >= 0) {
    const nodeField = edgeSelections[nodeIndex] as FieldNode;
    const nodeSelections = [...nodeField.selectionSet!.selections];
    nodeKey = responseKeyOf(nodeField);
    fieldKeys = names.map((name) => [name, keyFor(nodeSelections, name)]);
    edgeSelections[nodeIndex] = {
      ...nodeField,
      selectionSet: { kind: Kind.SELECTION_SET, selections: nodeSelections },
    };
  } else {
    nodeKey = keyFor(edgeSelections, 'node', names.join(' '));
    fieldKeys = names.map((name) => [name, name]);
  }
  const asNamed = fieldKeys.every(([name, key]) => name === key);
  return {
    field: { ...edges, selectionSet: { kind: Kind.SELECTION_SET, selections: edgeSelections } },
    read: (connection) => {
      const list = connection[edgesKey];
      if (!Array.isArray(list)) return undefined;
      return list.map((edge: Record<string, unknown> | null) => {
        const node = edge?.[nodeKey] as Record<string, unknown> | null | undefined;
        return {
          cursor: edge?.[cursorKey] as string,
          node:
            asNamed || !node
              ? (node as Record<string, unknown>)
              : Object.fromEntries(fieldKeys.map(([n, k]) => [n, node[k]])),
        };
      });
    },
  };
}

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

// ─── 4. Merge ──────────────────────────────────────────────────────────────────────────

// A server scheduled between reading the build requests and reading the cells shows up
// in both: the cell's row wins.
function dropScheduled(rows: MergeRow[]): MergeRow[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.position.uuid, (counts.get(row.position.uuid) ?? 0) + 1);
  if ([...counts.values()].every((n) => n === 1)) return rows;
  const seen = new Set<string>();
  return rows.filter(
    (row) =>
      !(counts.get(row.position.uuid)! > 1 && row.fromBuildRequest) &&
      !seen.has(row.position.uuid) &&
      seen.add(row.position.uuid),
  );
}

// ─── 5. UNKNOWN records ────────────────────────────────────────────────────────────────

// Filters that only scope by project; anything else makes UNKNOWN records wrong.
const PROJECT_ONLY = new Set(['projectId', 'allProjects']);

/** A page's share of the UNKNOWN records, and whether more follow it. */
interface UnknownPage {
  records: KnownInstance[];
  hasMore: boolean;
  /** Where this page's share started (its cells continue in every later cursor). */
  phase: UnknownPhase;
  error?: GraphQLFormattedError;
}

/**
 * Whether a list may carry UNKNOWN records at all (Nova's microversion 2.69): filtered
 * by project alone and not sorted explicitly.
 */
function unknownRecordsApply(filter: Record<string, unknown>, sortGiven: boolean): boolean {
  if (sortGiven) return false;
  return Object.entries(filter).every(([key, value]) => value === null || value === undefined || PROJECT_ONLY.has(key));
}

/**
 * Up to `room` (what the page has left) UNKNOWN records after `phase.afterUuid`: minimal
 * records for the mapped, not queued-for-delete instances of the list's project in the
 * phase's cells, by instance uuid. One more is asked for, to know whether the walk goes
 * on. When the mappings cannot be read the page has none, an error says they are
 * missing, and the walk may go on from the same place.
 */
async function unknownRecords(
  req: RouterRequest,
  filter: Record<string, unknown>,
  phase: UnknownPhase,
  room: number,
): Promise<UnknownPage> {
  if (!phase.cells.length) return { records: [], hasMore: false, phase };
  const found = await req.global.knownInstancesInCells(
    {
      cellUuids: phase.cells.map((c) => c.uuid),
      projectId: listProject(req, filter),
      afterUuid: phase.afterUuid,
      first: room + 1,
    },
    req.requestId,
  );
  if (!found.ok) {
    logGlobalFailure(req, found, 'could not read mappings for UNKNOWN records');
    const error = {
      message:
        'instances of cells that did not answer (UNKNOWN records) could not be read and are missing from this page',
      path: [req.field.responseKey],
      extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
    };
    // The walk stays where it is: the next page asks again from the same record.
    return { records: [], hasMore: true, phase, error };
  }
  const records = found.value
    .filter((m) => !m.queuedForDelete)
    .sort((a, b) => compareUuids(a.instanceUuid, b.instanceUuid));
  return { records: records.slice(0, room), hasMore: records.length > room, phase };
}

// The global subgraph orders by byte order (its database collates "C"); so does this.
function compareUuids(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The minimal record of an instance whose cell did not answer: what the API database
 * knows (uuid, project, user, created, and the request spec's flavor and zone), status
 * UNKNOWN, everything else null. The flavor is the Flavor entity, resolved as usual; the
 * cell is the one the mapping names (null when the router does not know it).
 */
export function unknownInstance(known: KnownInstance, cell: OriginCell | null): Record<string, unknown> {
  return {
    __typename: 'Instance',
    uuid: known.instanceUuid,
    status: 'UNKNOWN',
    projectId: known.projectId,
    userId: known.userId,
    createdAt: known.createdAt,
    flavor: known.flavor ? { __typename: 'Flavor', id: known.flavor.id } : null,
    availabilityZone: known.availabilityZone,
    cell: cellValue(cell),
  };
}

const NOT_ASKED = 'not asked: past the live rows, its instances continue as UNKNOWN records';

/**
 * A page in the UNKNOWN phase: every live row was shown, so no cell is asked; the
 * records of the cells the cursor names continue from the instance mappings, by uuid.
 * A cell that came back since keeps being listed as UNKNOWN until the walk ends, so the
 * walk shows every record exactly once.
 */
async function continueUnknown(
  req: RouterRequest,
  args: ListArgs,
  phase: UnknownPhase,
  selection: MergedField[],
): Promise<FieldResult> {
  if (!unknownRecordsApply(args.filter, args.sortGiven)) {
    const message =
      'after: a cursor of UNKNOWN records continues only a list filtered by project alone and not sorted explicitly';
    return { data: null, errors: [routerError(ErrorCode.BAD_USER_INPUT, message, [req.field.responseKey])] };
  }
  // Cells deleted since the walk began are left out.
  const stillKnown = (
    await Promise.all(phase.cells.map(async (c) => ({ ...c, entry: await req.fanOut.get(c.uuid) })))
  ).filter((c) => c.entry);
  const unknown = await unknownRecords(
    req,
    args.filter,
    { afterUuid: phase.afterUuid, cells: stillKnown.map(({ uuid, status }) => ({ uuid, status })) },
    args.first,
  );
  const cells = stillKnown.map((c) => ({
    cellUuid: c.uuid,
    cellName: c.entry!.info.name,
    status: c.status,
    message: NOT_ASKED,
    elapsedMs: 0,
  }));
  const data = assemble(req, selection, args.sort, {
    live: [],
    liveHasMore: false,
    unknown,
    cells,
    complete: false,
  });
  return { data, errors: unknown.error ? [unknown.error] : [] };
}

// ─── 6. Assembly ───────────────────────────────────────────────────────────────────────

/**
 * The InstanceConnection of one page. UNKNOWN records come after the live rows, each
 * with a cursor of the UNKNOWN phase; `hasNextPage` holds until the last of either has
 * been shown.
 */
function assemble(
  req: RouterRequest,
  selection: MergedField[],
  sort: SortSpec[],
  page: { live: MergeRow[]; liveHasMore: boolean; unknown: UnknownPage | null; cells: CellRow[]; complete: boolean },
): Record<string, unknown> {
  const { unknown } = page;
  const cellNames = new Map(page.cells.map((c) => [c.cellUuid, c.cellName]));
  const madeUp = (unknown?.records ?? []).map((m) => ({
    cursor: encodeUnknownCursor({ afterUuid: m.instanceUuid, cells: unknown!.phase.cells }, sort),
    node: unknownInstance(
      m,
      m.cellUuid && cellNames.has(m.cellUuid) ? { uuid: m.cellUuid, name: cellNames.get(m.cellUuid)! } : null,
    ),
  }));
  // A page that ends with the live rows while UNKNOWN records follow ends on the cursor
  // that starts them, so the walk goes on in the UNKNOWN phase even if a cell comes back.
  const endCursor =
    madeUp.at(-1)?.cursor ??
    (unknown?.hasMore ? encodeUnknownCursor(unknown.phase, sort) : (page.live.at(-1)?.cursor ?? null));
  return connectionResponse({
    selection,
    fragments: req.planned.fragments,
    typenames: INSTANCES.typenames,
    live: page.live,
    madeUp,
    hasNextPage: page.liveHasMore || Boolean(unknown?.hasMore),
    endCursor,
    cells: page.cells,
    complete: page.complete,
  });
}
