import { CursorError, sortSignature, type SortSpec } from '../../domain/instanceOrder';
import type { CellFailureStatus } from './cellClient';

/**
 * The cursors only the router makes. A list walks two phases: the live rows (cursors
 * that carry sort-key values, instanceOrder's), then the UNKNOWN records of the cells
 * that did not answer, by instance uuid. An UNKNOWN-phase cursor says the walk is past
 * every live row, which uuid it stopped after, and which cells' records it is listing
 * (with the status each had when the live rows ran out), so every later page lists
 * the same cells from the instance mappings without asking any cell again. Cells never
 * see these cursors (their decodeCursor refuses them).
 */
export interface UnknownPhase {
  /** The last UNKNOWN record shown; null before the first. */
  afterUuid: string | null;
  cells: { uuid: string; status: CellFailureStatus }[];
}

interface UnknownPayload {
  p: 'unknown';
  s: string[];
  a: string | null;
  c: [string, CellFailureStatus][];
}

export function encodeUnknownCursor(phase: UnknownPhase, sort: SortSpec[]): string {
  const payload: UnknownPayload = {
    p: 'unknown',
    s: sortSignature(sort),
    a: phase.afterUuid,
    c: phase.cells.map((c) => [c.uuid, c.status]),
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/**
 * The UNKNOWN phase `cursor` stands for; null when it is another kind of cursor (a live
 * row's, for instanceOrder to read). A malformed UNKNOWN-phase cursor is a CursorError.
 */
export function readUnknownCursor(cursor: string, sort: SortSpec[]): UnknownPhase | null {
  let payload: Partial<UnknownPayload> | null;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== 'object' || payload.p !== 'unknown') return null;
  const refuse = (why: string) =>
    new CursorError(`after: expected a cursor from a previous page, got an UNKNOWN-records cursor ${why}`);
  if (!Array.isArray(payload.s) || payload.s.join(',') !== sortSignature(sort).join(','))
    throw refuse('made for another sort');
  if (payload.a !== null && !isId(payload.a)) throw refuse('with a bad uuid');
  if (!Array.isArray(payload.c) || payload.c.length > MAX_CELLS) throw refuse('with a bad cell list');
  const cells = payload.c.map((entry) => {
    if (!Array.isArray(entry) || !isId(entry[0]) || !STATUSES.has(entry[1])) throw refuse('with a bad cell list');
    return { uuid: entry[0], status: entry[1] };
  });
  return { afterUuid: payload.a ?? null, cells };
}

const MAX_CELLS = 1000;
const STATUSES = new Set<unknown>(['TIMEOUT', 'UNAVAILABLE', 'ERROR']);

function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9A-Za-z-]{1,64}$/.test(value);
}

/**
 * Cursors made before UNKNOWN records paged: the cursor of an UNKNOWN record with no
 * live row before it, meaning "from the beginning". Still read that way.
 */
const START_CURSOR = Buffer.from(JSON.stringify({ start: true })).toString('base64url');

export function isStartCursor(cursor: string): boolean {
  return cursor === START_CURSOR;
}
