/**
 * The cursor an UNKNOWN record gets when no live row precedes it on the page: it means
 * "from the beginning", so a client that continues from it misses nothing. The router
 * strips it before asking the cells.
 */
export const START_CURSOR = Buffer.from(JSON.stringify({ start: true })).toString('base64url');

export function isStartCursor(cursor: string): boolean {
  return cursor === START_CURSOR;
}
