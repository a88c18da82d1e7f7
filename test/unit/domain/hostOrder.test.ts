import {
  cellHostCursor,
  compareHostPositions,
  compareMergedHostPositions,
  decodeHostAfter,
  decodeHostCursor,
  decodeMergedHostCursor,
  encodeHostCursor,
  encodeMergedHostCursor,
  type HostPosition,
} from '../../../domain/hostOrder';
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

describe('host order across cells', () => {
  const at = { host: 'h', cellUuid: 'b', id: 7 };

  it('orders by host, then cell, then id, and reads its cursors back', () => {
    const rows = [at, { host: 'h', cellUuid: 'a', id: 9 }, { host: null, cellUuid: 'a', id: 1 }, { ...at, id: 0 }];
    expect([...rows].sort(compareMergedHostPositions)).toEqual([rows[1], rows[3], rows[0], rows[2]]);
    for (const p of rows)
      expect(decodeMergedHostCursor('computeNodes', encodeMergedHostCursor('computeNodes', p))).toEqual(p);
  });

  it("refuses a cell's own cursor, and the cell refuses the merged one", () => {
    expect(() => decodeMergedHostCursor('computeServices', encodeHostCursor('computeServices', at))).toThrow(
      CursorError,
    );
    expect(() => decodeHostAfter('computeServices', encodeMergedHostCursor('computeServices', at))).toThrow(
      CursorError,
    );
  });

  it('asks each cell for what follows the merged position in it', () => {
    const cellAfter = (cellUuid: string) =>
      decodeHostAfter('computeServices', cellHostCursor('computeServices', at, cellUuid));
    expect(cellAfter('a')).toEqual({ host: 'h', id: 2147483647 });
    expect(cellAfter('b')).toEqual({ host: 'h', id: 7 });
    expect(cellAfter('c')).toEqual({ host: 'h', id: 0 });
    expect(decodeHostAfter('computeServices', cellHostCursor('computeServices', { ...at, id: 0 }, 'b'))).toEqual({
      host: 'h',
      id: 0,
    });
  });
});
