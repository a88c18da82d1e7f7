import {
  comparePositions,
  CursorError,
  decodeCursor,
  encodeCursor,
  normalizeSort,
  positionOf,
  type SortSpec,
} from '../../../../subgraphs/shared/instanceOrder';

const byName: SortSpec[] = [{ key: 'DISPLAY_NAME', direction: 'ASC' }];
const newest: SortSpec[] = [{ key: 'CREATED_AT', direction: 'DESC' }];

describe('instance order', () => {
  it('defaults to newest first and refuses a key given twice', () => {
    expect(normalizeSort(undefined)).toEqual(newest);
    expect(normalizeSort([{ key: 'DISPLAY_NAME' }])).toEqual([{ key: 'DISPLAY_NAME', direction: 'DESC' }]);
    expect(() => normalizeSort([{ key: 'CREATED_AT' }, { key: 'CREATED_AT', direction: 'ASC' }])).toThrow(/sort\[1\]\.key: CREATED_AT is given twice/);
  });

  it('breaks ties by uuid in the direction of the last key', () => {
    const a = positionOf({ uuid: 'a', createdAt: new Date(1000) }, newest);
    const b = positionOf({ uuid: 'b', createdAt: new Date(1000) }, newest);
    const older = positionOf({ uuid: 'c', createdAt: new Date(10) }, newest);
    expect(comparePositions(b, a, newest)).toBeLessThan(0);
    expect(comparePositions(a, older, newest)).toBeLessThan(0);
    expect(comparePositions(a, a, newest)).toBe(0);
  });

  it('puts NULLs last ascending and first descending, as PostgreSQL does', () => {
    const unnamed = positionOf({ uuid: 'a', displayName: null }, byName);
    const named = positionOf({ uuid: 'b', displayName: 'x' }, byName);
    expect(comparePositions(named, unnamed, byName)).toBeLessThan(0);
    const desc: SortSpec[] = [{ key: 'DISPLAY_NAME', direction: 'DESC' }];
    expect(comparePositions(positionOf({ uuid: 'a', displayName: null }, desc), positionOf({ uuid: 'b', displayName: 'x' }, desc), desc)).toBeLessThan(0);
  });

  it('compares strings by UTF-8 bytes, like a C-collated database', () => {
    const upper = positionOf({ uuid: 'a', displayName: 'Zed' }, byName);
    const lower = positionOf({ uuid: 'b', displayName: 'alpha' }, byName);
    expect(comparePositions(upper, lower, byName)).toBeLessThan(0);
  });

  it('round-trips a cursor and refuses one made for another sort or tampered with', () => {
    const position = positionOf({ uuid: 'u1', createdAt: '2026-01-01T00:00:00.000Z' }, newest);
    const cursor = encodeCursor(position, newest);
    expect(decodeCursor(cursor, newest)).toEqual(position);
    expect(() => decodeCursor(cursor, byName)).toThrow(/cursor was made for sort \[CREATED_AT:DESC\], not \[DISPLAY_NAME:ASC\]/);
    expect(() => decodeCursor('garbage!', newest)).toThrow(CursorError);
    const forged = Buffer.from(JSON.stringify({ s: ['CREATED_AT:DESC'], v: ['yesterday'], u: 'x' })).toString('base64url');
    expect(() => decodeCursor(forged, newest)).toThrow(/not a timestamp/);
  });
});
