import {
  comparePositions,
  CursorError,
  decodeCursor,
  encodeCursor,
  normalizeSort,
  positionOf,
  type SortSpec,
} from '../../../domain/instanceOrder';

const byName: SortSpec[] = [{ key: 'DISPLAY_NAME', direction: 'ASC' }];
const newest: SortSpec[] = [{ key: 'CREATED_AT', direction: 'DESC' }];
const UUID = '0b7e5d2c-3f4a-4e61-9a8b-1c2d3e4f5a6b';
const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('instance order', () => {
  it('defaults to newest first and refuses a key given twice', () => {
    expect(normalizeSort(undefined)).toEqual(newest);
    expect(normalizeSort([{ key: 'DISPLAY_NAME' }])).toEqual([{ key: 'DISPLAY_NAME', direction: 'DESC' }]);
    expect(() => normalizeSort([{ key: 'CREATED_AT' }, { key: 'CREATED_AT', direction: 'ASC' }])).toThrow(
      /sort\[1\]\.key: CREATED_AT is given twice/,
    );
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
    expect(
      comparePositions(
        positionOf({ uuid: 'a', displayName: null }, desc),
        positionOf({ uuid: 'b', displayName: 'x' }, desc),
        desc,
      ),
    ).toBeLessThan(0);
  });

  it('compares strings by UTF-8 bytes, like a C-collated database', () => {
    const upper = positionOf({ uuid: 'a', displayName: 'Zed' }, byName);
    const lower = positionOf({ uuid: 'b', displayName: 'alpha' }, byName);
    expect(comparePositions(upper, lower, byName)).toBeLessThan(0);
  });

  it('round-trips a cursor and refuses one made for another sort or tampered with', () => {
    const position = positionOf({ uuid: UUID, createdAt: '2026-01-01T00:00:00.000Z' }, newest);
    const cursor = encodeCursor(position, newest);
    expect(decodeCursor(cursor, newest)).toEqual(position);
    expect(() => decodeCursor(cursor, byName)).toThrow(
      /cursor was made for sort \[CREATED_AT:DESC\], not \[DISPLAY_NAME:ASC\]/,
    );
    expect(() => decodeCursor('garbage!', newest)).toThrow(CursorError);
    const forged = Buffer.from(JSON.stringify({ s: ['CREATED_AT:DESC'], v: ['yesterday'], u: 'x' })).toString(
      'base64url',
    );
    expect(() => decodeCursor(forged, newest)).toThrow(/not a timestamp/);
  });

  describe('checks every cursor value by the type of its sort key before any SQL sees it', () => {
    const byDate =
      (v: unknown, u: unknown = UUID) =>
      () =>
        decodeCursor(forge({ s: ['CREATED_AT:DESC'], v: [v], u }), newest);
    const byNameValue = (v: unknown) => () => decodeCursor(forge({ s: ['DISPLAY_NAME:ASC'], v: [v], u: UUID }), byName);

    it('takes a timestamp only in the form cursors are written in', () => {
      expect(byDate('2026-01-01T00:00:00.000Z')()).toEqual({ values: ['2026-01-01T00:00:00.000Z'], uuid: UUID });
      expect(byDate(null)()).toEqual({ values: [null], uuid: UUID });
      // '1' passes Date.parse (the year 2001) and every cell then failed with 22007.
      for (const bad of [
        '1',
        '2026',
        '2026-01-01',
        '2026-02-30T00:00:00.000Z',
        '0000-01-01T00:00:00.000Z',
        '+275760-09-13T00:00:00.000Z',
        '2026-01-01T00:00:00.000+01:00',
        'yesterday',
      ]) {
        expect(byDate(bad)).toThrow(CursorError);
        expect(byDate(bad)).toThrow(/after: cursor value 0 is not a timestamp/);
      }
      expect(byDate(5)).toThrow(/not a string or null/);
    });

    it('takes a name only as text PostgreSQL can compare', () => {
      expect(byNameValue('web-1')()).toEqual({ values: ['web-1'], uuid: UUID });
      expect(byNameValue('a\u0000b')).toThrow(/after: cursor value 0 is not text/);
      expect(byNameValue('\ud800')).toThrow(/after: cursor value 0 is not text/);
      expect(byNameValue('\ud83d\ude00')()).toEqual({ values: ['\ud83d\ude00'], uuid: UUID });
    });

    it('takes only a uuid as the tie-breaker', () => {
      for (const bad of ['x', '', '\u0000', `${UUID} `, UUID.replace(/-/g, '')])
        expect(byDate('2026-01-01T00:00:00.000Z', bad)).toThrow(/after: cursor tie-breaker is not a uuid/);
    });

    it('refuses the cursor the issue reports (CREATED_AT with value "1" and tie-breaker "x")', () => {
      const cursor = forge({ s: ['CREATED_AT:DESC'], v: ['1'], u: 'x' });
      expect(() => decodeCursor(cursor, newest)).toThrow(CursorError);
    });
  });
});
