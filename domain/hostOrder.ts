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
