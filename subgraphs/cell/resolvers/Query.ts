import type { GraphQLResolveInfo } from 'graphql';
import { badInput, cellsError, ErrorCode } from '../../../domain/errors';
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
import { prefetchNested } from '../prefetchNested';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

interface InstancesArgs {
  filter?: InstanceFilterInput | null;
  sort?: { key: SortKey; direction?: SortDirection | null }[] | null;
  first?: number | null;
  after?: string | null;
}

export const Query = {
  /** This cell's page: always complete, with one CellResult row for the cell itself. */
  async instances(_: unknown, args: InstancesArgs, ctx: CellContext, info: GraphQLResolveInfo) {
    const started = performance.now();
    const { first, sort, after } = pageArgs(args);
    const filter = filterToSql(args.filter, ctx.identity, ctx.cell.cellUuid);
    const page =
      filter.kind === 'empty'
        ? { rows: [], hasNextPage: false }
        : await fetchInstancePage(ctx.cell.db, {
            conditions: filter.conditions,
            sort,
            after,
            first,
            ...(filter.pattern !== undefined ? { statementTimeoutMs: PATTERN_STATEMENT_TIMEOUT_MS } : {}),
          }).catch((err) => {
            throw translateRegexError(err, args.filter?.name);
          });
    for (const row of page.rows) ctx.loaders.instance.prime(row.uuid, row);
    await prefetchNested(
      ctx,
      info,
      page.rows.map((row) => row.uuid),
    );
    const edges = page.rows.map((row) => ({ cursor: encodeCursor(positionOf(row, sort), sort), node: row }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null },
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
  },

  /** One instance of this cell, or null (not here, or not the caller's to see). */
  async instance(_: unknown, args: { uuid: string }, ctx: CellContext) {
    const row = await ctx.loaders.instance.load(args.uuid);
    return row && canSee(ctx.identity, row) ? row : null;
  },
};

// first, sort and after checked; a bad one is BAD_USER_INPUT naming the argument.
function pageArgs(args: InstancesArgs): { first: number; sort: SortSpec[]; after: Position | null } {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
    throw badInput('first', args.first, `an integer from 0 to ${MAX_PAGE_SIZE}`);
  try {
    const sort = normalizeSort(args.sort);
    return { first, sort, after: args.after != null ? decodeCursor(args.after, sort) : null };
  } catch (err) {
    if (err instanceof CursorError)
      throw cellsError(ErrorCode.BAD_USER_INPUT, err.message, {
        field: err.message.startsWith('after') ? 'after' : 'sort',
      });
    throw err;
  }
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
