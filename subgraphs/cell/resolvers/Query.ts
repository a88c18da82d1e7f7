import type { GraphQLResolveInfo } from 'graphql';
import { badInput, cellsError, ErrorCode, requireAdmin } from '../../../domain/errors';
import { decodeHostAfter, encodeHostCursor, hostPositionOf, type HostList } from '../../../domain/hostOrder';
import { checkText } from '../../../domain/inputText';
import {
  CursorError,
  decodeCursor,
  encodeCursor,
  normalizeSort,
  positionOf,
  type Position,
  type SortDirection,
  type SortKey,
  type SortSpec,
} from '../../../domain/instanceOrder';
import type { CellContext } from '../context';
import { canSee } from '../instanceAccess';
import { PATTERN_STATEMENT_TIMEOUT_MS } from '../../../domain/namePattern';
import { filterToSql, type InstanceFilterInput } from '../instanceFilter';
import { fetchInstancePage } from '../instancePage';
import { nodeFieldNames, prefetchNested } from '../prefetchNested';
import { pageColumns } from '../instanceColumns';
import { readCellSummary } from '../cellSummary';
import {
  DEFAULT_SERVICE_DOWN_TIME_S,
  fetchComputeNodePage,
  fetchServicePage,
  serviceDownSql,
  type HostPageRequest,
} from '../hostPage';
import { Prisma } from '../../../prisma/cell/generated/client';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

interface InstancesArgs {
  filter?: InstanceFilterInput | null;
  sort?: { key: SortKey; direction?: SortDirection | null }[] | null;
  first?: number | null;
  after?: string | null;
}

interface HostListArgs<F> {
  filter?: F | null;
  first?: number | null;
  after?: string | null;
}

interface ComputeServiceFilterInput {
  host?: string | null;
  binary?: string | null;
  state?: 'UP' | 'DOWN' | 'UNKNOWN' | null;
  disabled?: boolean | null;
}

export const Query = {
  /** This cell's page: always complete, with one CellResult row for the cell itself. */
  async instances(_: unknown, args: InstancesArgs, ctx: CellContext, info: GraphQLResolveInfo) {
    const started = performance.now();
    const { first, sort, after } = pageArgs(args);
    const filter = filterToSql(args.filter, ctx.identity, ctx.cell.cellUuid);
    const fieldNames = nodeFieldNames(info.fieldNodes, info.fragments);
    const columns = pageColumns(fieldNames, sort);
    const page =
      filter.kind === 'empty'
        ? { rows: [], hasNextPage: false }
        : await fetchInstancePage(ctx.cell.db, {
            conditions: filter.conditions,
            sort,
            after,
            first,
            ...(columns ? { columns } : {}),
            ...(filter.pattern !== undefined ? { statementTimeoutMs: PATTERN_STATEMENT_TIMEOUT_MS } : {}),
          }).catch((err) => {
            throw translateRegexError(err, args.filter?.name);
          });
    // Only whole rows: the instance loader's answers must have every column.
    if (!columns) for (const row of page.rows) ctx.loaders.instance.prime(row.uuid, row);
    await prefetchNested(
      ctx,
      fieldNames,
      page.rows.map((row) => row.uuid),
    );
    const edges = page.rows.map((row) => ({ cursor: encodeCursor(positionOf(row, sort), sort), node: row }));
    return connection(ctx, started, edges, page.hasNextPage);
  },

  /** This cell's compute services with Nova's UP/DOWN; admins only, as os-services. */
  async computeServices(_: unknown, args: HostListArgs<ComputeServiceFilterInput>, ctx: CellContext) {
    requireAdmin(ctx.identity, 'computeServices');
    const started = performance.now();
    const f = args.filter ?? {};
    checkText('filter.host', f.host);
    checkText('filter.binary', f.binary);
    const request = hostPageArgs('computeServices', args);
    const downTimeS = ctx.cell.serviceDownTimeS ?? DEFAULT_SERVICE_DOWN_TIME_S;
    if (f.host != null) request.conditions.push(Prisma.sql`host = ${f.host}`);
    if (f.binary != null) request.conditions.push(Prisma.sql`"binary" = ${f.binary}`);
    if (f.disabled != null) request.conditions.push(Prisma.sql`disabled = ${f.disabled}`);
    if (f.state === 'UP') request.conditions.push(Prisma.sql`NOT ${serviceDownSql(downTimeS)}`);
    if (f.state === 'DOWN') request.conditions.push(serviceDownSql(downTimeS));
    // A cell answers for itself, so none of its services is UNKNOWN.
    const page =
      f.state === 'UNKNOWN'
        ? { rows: [], hasNextPage: false }
        : await fetchServicePage(ctx.cell.db, request, downTimeS);
    const nodes = page.rows.map(({ down, ...row }) => ({ ...row, state: down ? 'DOWN' : 'UP' }));
    return hostConnection(ctx, started, 'computeServices', nodes, page.hasNextPage);
  },

  /** This cell's compute nodes and their capacity; admins only, as os-hypervisors. */
  async computeNodes(_: unknown, args: HostListArgs<{ host?: string | null }>, ctx: CellContext) {
    requireAdmin(ctx.identity, 'computeNodes');
    const started = performance.now();
    const host = checkText('filter.host', args.filter?.host);
    const request = hostPageArgs('computeNodes', args);
    if (host != null) request.conditions.push(Prisma.sql`host = ${host}`);
    const page = await fetchComputeNodePage(ctx.cell.db, request);
    return hostConnection(ctx, started, 'computeNodes', page.rows, page.hasNextPage);
  },

  /** This cell's dashboard card; admins only. */
  async cellSummary(_: unknown, _args: unknown, ctx: CellContext) {
    requireAdmin(ctx.identity, 'cellSummary');
    const summary = await readCellSummary(ctx.cell.db, ctx.cell.serviceDownTimeS ?? DEFAULT_SERVICE_DOWN_TIME_S);
    return { cellUuid: ctx.cell.cellUuid, cellName: ctx.cell.cellName, ...summary };
  },

  /** This cell's own row of the gateway's per-cell summaries (the gateway asks `cellSummary` of each cell). */
  async cellSummaries(_: unknown, _args: unknown, ctx: CellContext) {
    requireAdmin(ctx.identity, 'cellSummaries');
    const started = performance.now();
    const summary = await Query.cellSummary(_, _args, ctx);
    const elapsedMs = Math.round((performance.now() - started) * 100) / 100;
    return [
      { cellUuid: summary.cellUuid, cellName: summary.cellName, status: 'OK', message: null, elapsedMs, summary },
    ];
  },

  /** One instance of this cell, or null (not here, or not the caller's to see). */
  async instance(_: unknown, args: { uuid: string }, ctx: CellContext) {
    const row = await ctx.loaders.instance.load(args.uuid);
    return row && canSee(ctx.identity, row) ? row : null;
  },
};

// first, sort and after checked; a bad one is BAD_USER_INPUT naming the argument.
function pageArgs(args: InstancesArgs): { first: number; sort: SortSpec[]; after: Position | null } {
  const first = pageSize(args.first);
  try {
    const sort = normalizeSort(args.sort);
    return { first, sort, after: args.after != null ? decodeCursor(args.after, sort) : null };
  } catch (err) {
    throw cursorInput(err);
  }
}

// A host listing's first and after, checked as the instances' are.
function hostPageArgs(list: HostList, args: HostListArgs<unknown>): HostPageRequest {
  const first = pageSize(args.first);
  try {
    return { conditions: [], first, after: args.after != null ? decodeHostAfter(list, args.after) : null };
  } catch (err) {
    throw cursorInput(err);
  }
}

function pageSize(requested: number | null | undefined): number {
  const first = requested ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
    throw badInput('first', requested, `an integer from 0 to ${MAX_PAGE_SIZE}`);
  return first;
}

// A CursorError is the caller's input: BAD_USER_INPUT naming the argument its message starts with.
function cursorInput(err: unknown): unknown {
  if (!(err instanceof CursorError)) return err;
  return cellsError(ErrorCode.BAD_USER_INPUT, err.message, {
    field: err.message.startsWith('after') ? 'after' : 'sort',
  });
}

// A host listing's connection; every node carries its cell.
function hostConnection<T extends { host: string | null; id: number }>(
  ctx: CellContext,
  started: number,
  list: HostList,
  rows: T[],
  hasNextPage: boolean,
) {
  const edges = rows.map((row) => ({
    cursor: encodeHostCursor(list, hostPositionOf(row)),
    node: { ...row, cellUuid: ctx.cell.cellUuid },
  }));
  return connection(ctx, started, edges, hasNextPage);
}

// A page of this cell: always complete, with one CellResult row for the cell itself.
function connection<E extends { cursor: string }>(ctx: CellContext, started: number, edges: E[], hasNextPage: boolean) {
  return {
    edges,
    pageInfo: { hasNextPage, endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null },
    complete: true,
    cells: [
      {
        cellUuid: ctx.cell.cellUuid,
        cellName: ctx.cell.cellName,
        status: 'OK',
        message: null,
        elapsedMs: performance.now() - started,
      },
    ],
  };
}

// PostgreSQL refuses a bad regular expression with SQLSTATE 2201B; that is the caller's input.
function translateRegexError(err: unknown, name: string | null | undefined): unknown {
  const text = String((err as Error)?.message ?? '');
  if (name != null && (text.includes('2201B') || text.includes('invalid regular expression'))) {
    const detail = /invalid regular expression: ([^`\n]*)/.exec(text)?.[1] ?? 'invalid';
    return badInput('filter.name', name, `a valid regular expression (PostgreSQL: ${detail})`);
  }
  return err;
}
