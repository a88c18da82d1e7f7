/**
 * The opaque cursor every Cells list hands out: base64url JSON of the list order's
 * signature (`s`), the row's sort-key values (`v`) and its tie-breaker (`u`). One
 * encoding for instances (domain/instanceOrder.ts) and hosts (domain/hostOrder.ts), so
 * a cursor made for one order is refused by every other.
 */

/** Thrown for a cursor or sort that cannot be used; callers turn it into BAD_USER_INPUT. */
export class CursorError extends Error {}

/** A cursor's content once its shape and signature are checked; each list checks the values' types. */
export interface KeysetPosition {
  values: (string | null)[];
  tie: string;
}

interface CursorPayload {
  s: string[];
  v: (string | null)[];
  u: string;
}

/** The cursor for a row at `values` then `tie` in the order named by `signature`. */
export function encodeKeysetCursor(signature: string[], values: (string | null)[], tie: string): string {
  const payload: CursorPayload = { s: signature, v: values, u: tie };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** Reads a cursor made by encodeKeysetCursor for the same signature; refuses anything else. */
export function decodeKeysetCursor(cursor: string, signature: string[]): KeysetPosition {
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notACursor(cursor);
  }
  if (!payload || !Array.isArray(payload.s) || !Array.isArray(payload.v) || typeof payload.u !== 'string') {
    throw notACursor(cursor);
  }
  if (payload.s.join(',') !== signature.join(',') || payload.v.length !== signature.length) {
    throw new CursorError(`after: cursor was made for sort [${payload.s.join(', ')}], not [${signature.join(', ')}]`);
  }
  payload.v.forEach((value, i) => {
    if (value !== null && typeof value !== 'string')
      throw new CursorError(`after: cursor value ${i} is not a string or null`);
  });
  return { values: payload.v, tie: payload.u };
}

function notACursor(cursor: string): CursorError {
  return new CursorError(`after: expected a cursor from a previous page, got ${JSON.stringify(cursor.slice(0, 60))}`);
}
