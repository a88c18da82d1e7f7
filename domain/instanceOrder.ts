/**
 * The total order of instance lists, shared by the cell subgraph (keyset SQL) and the
 * gateway (k-way merge across cells), and the cursors that carry a position in it.
 *
 * Order: the requested sort keys, then `uuid` in the direction of the last key, so the
 * order is total across cells. NULLs sort as PostgreSQL sorts them by default (last
 * when ascending, first when descending), so the cells' indexes serve the pages.
 * Strings compare by UTF-8 bytes: cell databases are created with LC_COLLATE 'C'.
 */

import { describe } from './errors';
import { isUuid, textFault } from './inputText';
import { CursorError, decodeKeysetCursor, encodeKeysetCursor } from './keysetCursor';

export type SortKey = 'CREATED_AT' | 'UPDATED_AT' | 'LAUNCHED_AT' | 'DISPLAY_NAME';
export type SortDirection = 'ASC' | 'DESC';

export interface SortSpec {
  key: SortKey;
  direction: SortDirection;
}

/** The Instance field (GraphQL and Prisma) and SQL column behind each sort key. */
export const SORT_FIELDS: Record<
  SortKey,
  { field: 'createdAt' | 'updatedAt' | 'launchedAt' | 'displayName'; column: string; kind: 'date' | 'string' }
> = {
  CREATED_AT: { field: 'createdAt', column: 'created_at', kind: 'date' },
  UPDATED_AT: { field: 'updatedAt', column: 'updated_at', kind: 'date' },
  LAUNCHED_AT: { field: 'launchedAt', column: 'launched_at', kind: 'date' },
  DISPLAY_NAME: { field: 'displayName', column: 'display_name', kind: 'string' },
};

/** Newest first, as Nova lists. */
export const DEFAULT_SORT: SortSpec[] = [{ key: 'CREATED_AT', direction: 'DESC' }];

/** A row's position: one value per sort key (ISO string for dates, null allowed), then its uuid. */
export interface Position {
  values: (string | null)[];
  uuid: string;
}

/** Turns the GraphQL `sort` argument into a spec: defaults filled, duplicates refused. */
export function normalizeSort(
  sort: readonly { key: SortKey; direction?: SortDirection | null }[] | null | undefined,
): SortSpec[] {
  if (!sort || sort.length === 0) return DEFAULT_SORT;
  const seen = new Set<SortKey>();
  return sort.map((entry, index) => {
    if (!(entry.key in SORT_FIELDS))
      throw new CursorError(
        `sort[${index}].key: expected one of ${Object.keys(SORT_FIELDS).join(', ')}, got ${JSON.stringify(entry.key)}`,
      );
    if (seen.has(entry.key)) throw new CursorError(`sort[${index}].key: ${entry.key} is given twice`);
    seen.add(entry.key);
    return { key: entry.key, direction: entry.direction ?? 'DESC' };
  });
}

/** The cursor's tag for a sort, so a cursor is never used under another order. */
export function sortSignature(sort: SortSpec[]): string[] {
  return sort.map((s) => `${s.key}:${s.direction}`);
}

export { CursorError };

/** The position of a row (an object with the sort fields and uuid) under `sort`. */
export function positionOf(row: Record<string, unknown>, sort: SortSpec[]): Position {
  return {
    values: sort.map((s) => normalizeValue(row[SORT_FIELDS[s.key].field], SORT_FIELDS[s.key].kind)),
    uuid: String(row.uuid),
  };
}

/** An opaque cursor (domain/keysetCursor.ts) for `position` under `sort`. */
export function encodeCursor(position: Position, sort: SortSpec[]): string {
  return encodeKeysetCursor(sortSignature(sort), position.values, position.uuid);
}

/** Reads a cursor made by encodeCursor for the same sort; refuses anything else. */
export function decodeCursor(cursor: string, sort: SortSpec[]): Position {
  const { values, tie } = decodeKeysetCursor(cursor, sortSignature(sort));
  values.forEach((value, i) => {
    if (value !== null) checkCursorValue(value, SORT_FIELDS[sort[i].key].kind, i);
  });
  if (!isUuid(tie)) throw new CursorError(`after: cursor tie-breaker is not a uuid: ${describe(tie)}`);
  return { values, uuid: tie };
}

// What encodeCursor writes: toISOString() of a date PostgreSQL can hold (years 1 to 9999).
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Every value is checked by its key's type before any SQL sees it: a cursor that breaks
// the rules is the caller's input, never a cell's failure (22007, 22021).
function checkCursorValue(value: string, kind: 'date' | 'string', i: number): void {
  if (kind === 'date' && !(ISO_TIMESTAMP.test(value) && new Date(value).toISOString() === value)) {
    throw new CursorError(`after: cursor value ${i} is not a timestamp: ${describe(value)}`);
  }
  if (kind === 'string' && textFault(value))
    throw new CursorError(`after: cursor value ${i} is not text: ${describe(value)}`);
}

/** Negative when `a` comes before `b` in the list order, positive after, 0 for the same row. */
export function comparePositions(a: Position, b: Position, sort: SortSpec[]): number {
  for (let i = 0; i < sort.length; i++) {
    const c = compareValues(a.values[i], b.values[i], sort[i].direction);
    if (c !== 0) return c;
  }
  const c = compareStrings(a.uuid, b.uuid);
  return c === 0 ? 0 : c * directionSign(uuidDirection(sort));
}

/** The uuid tie-break runs in the direction of the last key. */
export function uuidDirection(sort: SortSpec[]): SortDirection {
  return sort[sort.length - 1].direction;
}

function compareValues(a: string | null, b: string | null, direction: SortDirection): number {
  if (a === b) return 0;
  // PostgreSQL's defaults: NULLS LAST for ASC, NULLS FIRST for DESC.
  if (a === null) return direction === 'ASC' ? 1 : -1;
  if (b === null) return direction === 'ASC' ? -1 : 1;
  return compareStrings(a, b) * directionSign(direction);
}

// ISO timestamps of one length order correctly as strings; everything is UTF-8 bytes.
function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function directionSign(direction: SortDirection): number {
  return direction === 'ASC' ? 1 : -1;
}

function normalizeValue(value: unknown, kind: 'date' | 'string'): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'date') return new Date(value as string | Date).toISOString();
  return String(value);
}
