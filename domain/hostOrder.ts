/**
 * The order of the host listings (compute services, compute nodes) and their cursors,
 * shared by the cell subgraph (keyset SQL) and whoever merges cells' pages.
 *
 * Order: host ascending, NULL hosts last (PostgreSQL's default), then the row's id,
 * so it is total within a cell. Hosts compare by UTF-8 bytes, as cell databases are
 * created with LC_COLLATE 'C'. Cursors use the one encoding of domain/keysetCursor.ts.
 */

import { describe } from './errors';
import { textFault } from './inputText';
import { CursorError, decodeKeysetCursor, encodeKeysetCursor } from './keysetCursor';

/** The host listings; a cursor of one is refused by the other. */
export type HostList = 'computeServices' | 'computeNodes';

/** A row's place in a host listing: its host (null sorts last) and its id in the cell's table. */
export interface HostPosition {
  host: string | null;
  id: number;
}

const MAX_ID = 2147483647;

export function hostPositionOf(row: { host: string | null; id: number }): HostPosition {
  return { host: row.host, id: row.id };
}

/** An opaque cursor for `position` in `list`. */
export function encodeHostCursor(list: HostList, position: HostPosition): string {
  return encodeKeysetCursor(signature(list), [position.host], String(position.id));
}

/** Reads a cursor made by encodeHostCursor for the same list; a CursorError names what is wrong. */
export function decodeHostCursor(list: HostList, cursor: string): HostPosition {
  const { values, tie } = decodeKeysetCursor(cursor, signature(list));
  const host = values[0];
  if (host !== null && textFault(host)) throw new CursorError(`after: cursor host is not text: ${describe(host)}`);
  const id = /^[1-9][0-9]{0,9}$/.test(tie) ? Number(tie) : NaN;
  if (!(id <= MAX_ID)) throw new CursorError(`after: cursor tie-breaker is not a row id: ${describe(tie)}`);
  return { host, id };
}

/** Negative when `a` comes before `b`, positive after, 0 for the same row. */
export function compareHostPositions(a: HostPosition, b: HostPosition): number {
  if (a.host !== b.host) {
    if (a.host === null) return 1;
    if (b.host === null) return -1;
    const c = Buffer.compare(Buffer.from(a.host, 'utf8'), Buffer.from(b.host, 'utf8'));
    if (c !== 0) return c;
  }
  return a.id - b.id;
}

function signature(list: HostList): string[] {
  return [`${list}:HOST:ASC`];
}

// ─── Across cells (the gateway's merge) ────────────────────────────────────────────────

/**
 * A row's place in a host listing merged across cells: host, then cell uuid (ids are
 * per cell), then id. Id 0 sits before every row of that host in that cell: the place
 * of a record the router makes up for a host of a cell that did not answer.
 */
export interface MergedHostPosition {
  host: string | null;
  cellUuid: string;
  id: number;
}

function mergedSignature(list: HostList): string[] {
  return [`${list}:HOST:ASC`, 'CELL:ASC'];
}

/** The gateway's cursor for `position`; a cell's own cursor is refused by it and the other way round. */
export function encodeMergedHostCursor(list: HostList, position: MergedHostPosition): string {
  return encodeKeysetCursor(mergedSignature(list), [position.host, position.cellUuid], String(position.id));
}

/** Reads a cursor made by encodeMergedHostCursor for the same list; a CursorError names what is wrong. */
export function decodeMergedHostCursor(list: HostList, cursor: string): MergedHostPosition {
  const { values, tie } = decodeKeysetCursor(cursor, mergedSignature(list));
  const [host, cellUuid] = values;
  if (host !== null && textFault(host)) throw new CursorError(`after: cursor host is not text: ${describe(host)}`);
  if (cellUuid === null || textFault(cellUuid))
    throw new CursorError(`after: cursor cell is not a uuid: ${describe(cellUuid)}`);
  const id = /^(0|[1-9][0-9]{0,9})$/.test(tie) ? Number(tie) : NaN;
  if (!(id <= MAX_ID)) throw new CursorError(`after: cursor tie-breaker is not a row id: ${describe(tie)}`);
  return { host, cellUuid, id };
}

/** Negative when `a` comes before `b` in the merged order, positive after, 0 for the same row. */
export function compareMergedHostPositions(a: MergedHostPosition, b: MergedHostPosition): number {
  const byHost = compareHostPositions({ host: a.host, id: 0 }, { host: b.host, id: 0 });
  if (byHost !== 0) return byHost;
  if (a.cellUuid !== b.cellUuid) return a.cellUuid < b.cellUuid ? -1 : 1;
  return a.id - b.id;
}

/**
 * The cell's own cursor for what follows merged position `after` in cell `cellUuid`: a
 * cell before `after`'s gave every row of its host already, a cell after it (or the
 * same cell, at a made-up record) gives them all from the host's first row.
 */
export function cellHostCursor(list: HostList, after: MergedHostPosition, cellUuid: string): string {
  if (cellUuid < after.cellUuid) return encodeHostCursor(list, { host: after.host, id: MAX_ID });
  if (cellUuid > after.cellUuid || after.id === 0) return encodeKeysetCursor(startSignature(list), [after.host], '');
  return encodeHostCursor(list, { host: after.host, id: after.id });
}

function startSignature(list: HostList): string[] {
  return [`${list}:HOST:ASC:FROM`];
}

/**
 * What a cell reads as `after`: its own cursor (decodeHostCursor), or the router's
 * "from the first row of this host" (cellHostCursor), which is position (host, 0).
 */
export function decodeHostAfter(list: HostList, cursor: string): HostPosition {
  let start: { values: (string | null)[]; tie: string } | null = null;
  try {
    start = decodeKeysetCursor(cursor, startSignature(list));
  } catch {
    // Not the router's start cursor: read as the cell's own, whose errors name the fault.
  }
  if (!start) return decodeHostCursor(list, cursor);
  const host = start.values[0];
  if (host !== null && textFault(host)) throw new CursorError(`after: cursor host is not text: ${describe(host)}`);
  return { host, id: 0 };
}
