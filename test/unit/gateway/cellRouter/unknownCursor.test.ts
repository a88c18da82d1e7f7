import { encodeUnknownCursor, isStartCursor, readUnknownCursor } from '../../../../gateway/cellRouter/unknownCursor';
import { CursorError, DEFAULT_SORT, decodeCursor, encodeCursor, type SortSpec } from '../../../../domain/instanceOrder';

const phase = {
  afterUuid: '0f6e1c2a-0000-4000-8000-000000000001',
  cells: [{ uuid: 'c2c2c2c2-0000-4000-8000-000000000002', status: 'UNAVAILABLE' as const }],
};
const encode = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('cursors of the UNKNOWN phase', () => {
  it('read back the uuid they stopped after and the cells they list', () => {
    expect(readUnknownCursor(encodeUnknownCursor(phase, DEFAULT_SORT), DEFAULT_SORT)).toEqual(phase);
    expect(readUnknownCursor(encodeUnknownCursor({ afterUuid: null, cells: [] }, DEFAULT_SORT), DEFAULT_SORT)).toEqual({
      afterUuid: null,
      cells: [],
    });
  });

  it('leave cursors of live rows to instanceOrder, and are refused by it (a cell never reads one)', () => {
    const live = encodeCursor({ values: ['2026-01-01T00:00:00.000Z'], uuid: 'x' }, DEFAULT_SORT);
    expect(readUnknownCursor(live, DEFAULT_SORT)).toBeNull();
    expect(readUnknownCursor('not base64 json', DEFAULT_SORT)).toBeNull();
    expect(() => decodeCursor(encodeUnknownCursor(phase, DEFAULT_SORT), DEFAULT_SORT)).toThrow(CursorError);
  });

  it('refuse another sort, a bad uuid, a bad status or too many cells', () => {
    const byName: SortSpec[] = [{ key: 'DISPLAY_NAME', direction: 'ASC' }];
    expect(() => readUnknownCursor(encodeUnknownCursor(phase, DEFAULT_SORT), byName)).toThrow(/another sort/);
    const s = ['CREATED_AT:DESC'];
    expect(() => readUnknownCursor(encode({ p: 'unknown', s, a: "'; DROP", c: [] }), DEFAULT_SORT)).toThrow(/bad uuid/);
    expect(() => readUnknownCursor(encode({ p: 'unknown', s, a: null, c: [['c1', 'OK']] }), DEFAULT_SORT)).toThrow(
      /bad cell list/,
    );
    expect(() =>
      readUnknownCursor(
        encode({ p: 'unknown', s, a: null, c: Array.from({ length: 1001 }, () => ['c1', 'TIMEOUT']) }),
        DEFAULT_SORT,
      ),
    ).toThrow(/bad cell list/);
    expect(() => readUnknownCursor(encode({ p: 'unknown', s, a: null, c: 'c1' }), DEFAULT_SORT)).toThrow(CursorError);
  });

  it('still read the old start cursor as "from the beginning"', () => {
    const start = encode({ start: true });
    expect(isStartCursor(start)).toBe(true);
    expect(readUnknownCursor(start, DEFAULT_SORT)).toBeNull();
  });
});
