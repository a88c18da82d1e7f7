import { compareHostPositions, decodeHostCursor, encodeHostCursor, type HostPosition } from '../../../domain/hostOrder';
import { encodeCursor } from '../../../domain/instanceOrder';
import { CursorError, encodeKeysetCursor } from '../../../domain/keysetCursor';

describe('the host listings order', () => {
  it('orders by host in byte order, NULL hosts last, then by id', () => {
    const rows: HostPosition[] = [
      { host: null, id: 1 },
      { host: 'b', id: 1 },
      { host: 'B', id: 9 },
      { host: 'b', id: 2 },
      { host: 'a', id: 5 },
      { host: null, id: 3 },
    ];
    expect([...rows].sort(compareHostPositions)).toEqual([
      { host: 'B', id: 9 },
      { host: 'a', id: 5 },
      { host: 'b', id: 1 },
      { host: 'b', id: 2 },
      { host: null, id: 1 },
      { host: null, id: 3 },
    ]);
  });
});

describe('host cursors', () => {
  it('round-trip a position, a NULL host included', () => {
    for (const position of [
      { host: 'compute-1', id: 7 },
      { host: null, id: 2147483647 },
    ]) {
      expect(decodeHostCursor('computeServices', encodeHostCursor('computeServices', position))).toEqual(position);
    }
  });

  it("refuses another list's cursor, naming both orders", () => {
    const cursor = encodeHostCursor('computeNodes', { host: 'h', id: 1 });
    expect(() => decodeHostCursor('computeServices', cursor)).toThrow(
      'after: cursor was made for sort [computeNodes:HOST:ASC], not [computeServices:HOST:ASC]',
    );
  });

  it("refuses an instance list's cursor", () => {
    const cursor = encodeCursor({ values: ['2026-01-01T00:00:00.000Z'], uuid: 'x' }, [
      { key: 'CREATED_AT', direction: 'DESC' },
    ]);
    expect(() => decodeHostCursor('computeNodes', cursor)).toThrow(CursorError);
  });

  it('refuses text that is not a cursor, quoting it', () => {
    expect(() => decodeHostCursor('computeNodes', 'nope')).toThrow(
      'after: expected a cursor from a previous page, got "nope"',
    );
  });

  it.each(['0', '-1', '1.5', '2147483648', 'abc', '01'])('refuses the row id %j', (id) => {
    const cursor = encodeKeysetCursor(['computeNodes:HOST:ASC'], ['h'], id);
    expect(() => decodeHostCursor('computeNodes', cursor)).toThrow(
      `after: cursor tie-breaker is not a row id: ${JSON.stringify(id)}`,
    );
  });

  it('refuses a host with a NUL byte before any SQL sees it', () => {
    const cursor = encodeKeysetCursor(['computeNodes:HOST:ASC'], ['a\u0000b'], '1');
    expect(() => decodeHostCursor('computeNodes', cursor)).toThrow(/after: cursor host is not text/);
  });
});
