import { Prisma } from '../../prisma/cell/generated/client';
import { readRows, type CellClient } from '../../prisma/clients';
import { SORT_FIELDS, uuidDirection, type Position, type SortSpec } from '../../domain/instanceOrder';
import { camelRows, type InstanceRow } from './rows';

export interface PageRequest {
  conditions: Prisma.Sql[];
  sort: SortSpec[];
  after: Position | null;
  first: number;
  /** The columns to read (instanceColumns.ts pageColumns); unset: every column. */
  columns?: readonly string[];
  /** Set when a condition evaluates a caller's pattern: the statement runs under SET LOCAL statement_timeout. */
  statementTimeoutMs?: number;
}

export interface Page {
  rows: InstanceRow[];
  hasNextPage: boolean;
}

/**
 * One page of instances in the shared list order (domain/instanceOrder.ts),
 * starting after `after`: one SQL statement, keyset (no OFFSET), first+1 rows fetched
 * to know whether another page follows.
 */
export async function fetchInstancePage(db: CellClient, request: PageRequest): Promise<Page> {
  const query = pageQuery(request);
  const timeout = request.statementTimeoutMs;
  // A caller's pattern runs under a statement timeout, in a transaction; the rest on the pool.
  const raw =
    timeout === undefined
      ? await readRows(db, query)
      : await db.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.floor(timeout)}`);
          return tx.$queryRaw<Record<string, unknown>[]>(query);
        });
  const rows = camelRows<InstanceRow>(raw);
  return { rows: rows.slice(0, request.first), hasNextPage: rows.length > request.first };
}

/** The page's one SQL statement (exported so a test can EXPLAIN it). */
export function pageQuery(request: PageRequest): Prisma.Sql {
  const branches = request.after ? keysetBranches(request.sort, request.after) : [[]];
  const limit = request.first + 1;
  // Column names come from instanceColumns.ts, never from a request; quoted all the same.
  const columns = request.columns ? Prisma.raw(request.columns.map((c) => `"${c}"`).join(', ')) : Prisma.raw('*');
  const select = (branch: Prisma.Sql[]) => {
    const conditions = [...request.conditions, ...branch];
    const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
    return Prisma.sql`SELECT ${columns} FROM instances ${where} ORDER BY ${orderBy(request.sort)} LIMIT ${limit}`;
  };
  if (branches.length === 1) return select(branches[0]);
  // Two branches (see keysetBranches) are two index range scans merged: still one statement.
  return Prisma.sql`SELECT * FROM (${Prisma.join(
    branches.map((b) => Prisma.sql`(${select(b)})`),
    ' UNION ALL ',
  )}) AS page ORDER BY ${orderBy(request.sort)} LIMIT ${limit}`;
}

/** ORDER BY matching comparePositions: PostgreSQL's default NULL placement, uuid last. */
export function orderBy(sort: SortSpec[]): Prisma.Sql {
  const keys = sort.map((s) => Prisma.raw(`${SORT_FIELDS[s.key].column} ${s.direction}`));
  keys.push(Prisma.raw(`uuid ${uuidDirection(sort)}`));
  return Prisma.join(keys, ', ');
}

/**
 * Rows strictly after `position`, as one or two lists of ANDed conditions whose union
 * is the answer. Each list bounds the first sort key with a plain range, so PostgreSQL
 * starts an index scan at the cursor instead of filtering every row before it. The
 * NULLs of a nullable first key sit at one end of the index, hence a second branch.
 */
export function keysetBranches(sort: SortSpec[], position: Position): Prisma.Sql[][] {
  const rest = after(sort, position, 0);
  const first = sort[0];
  const col = column(first);
  const value = position.values[0];
  const nullable = first.key !== 'CREATED_AT';
  if (value === null) {
    // ASC: NULLs are last, so only NULLs follow. DESC: NULLs are first, every non-NULL follows.
    return first.direction === 'ASC'
      ? [[Prisma.sql`${col} IS NULL`, rest]]
      : [[Prisma.sql`${col} IS NULL`, rest], [Prisma.sql`${col} IS NOT NULL`]];
  }
  const v = literal(first, value);
  if (first.direction === 'DESC') return [[Prisma.sql`${col} <= ${v}`, rest]];
  return nullable
    ? [[Prisma.sql`${col} >= ${v}`, rest], [Prisma.sql`${col} IS NULL`]]
    : [[Prisma.sql`${col} >= ${v}`, rest]];
}

function after(sort: SortSpec[], position: Position, i: number): Prisma.Sql {
  if (i === sort.length) {
    const op = uuidDirection(sort) === 'ASC' ? Prisma.raw('>') : Prisma.raw('<');
    return Prisma.sql`uuid ${op} ${position.uuid}`;
  }
  const strictly = strictlyAfter(sort[i], position.values[i]);
  const equal = equalTo(sort[i], position.values[i]);
  return Prisma.sql`(${strictly} OR (${equal} AND ${after(sort, position, i + 1)}))`;
}

// NULLs are last ascending and first descending, as PostgreSQL orders them.
function strictlyAfter(spec: SortSpec, value: string | null): Prisma.Sql {
  const col = column(spec);
  if (value === null) return spec.direction === 'ASC' ? Prisma.sql`FALSE` : Prisma.sql`${col} IS NOT NULL`;
  const v = literal(spec, value);
  return spec.direction === 'ASC' ? Prisma.sql`(${col} > ${v} OR ${col} IS NULL)` : Prisma.sql`${col} < ${v}`;
}

function equalTo(spec: SortSpec, value: string | null): Prisma.Sql {
  const col = column(spec);
  return value === null ? Prisma.sql`${col} IS NULL` : Prisma.sql`${col} = ${literal(spec, value)}`;
}

function column(spec: SortSpec): Prisma.Sql {
  return Prisma.raw(SORT_FIELDS[spec.key].column);
}

// Timestamps are stored as UTC wall-clock `timestamp(3)`; casting the ISO text drops the 'Z'.
function literal(spec: SortSpec, value: string): Prisma.Sql {
  return SORT_FIELDS[spec.key].kind === 'date' ? Prisma.sql`CAST(${value} AS timestamp(3))` : Prisma.sql`${value}`;
}
