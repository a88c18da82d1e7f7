import {
  absorb,
  mergePage,
  type BatchOutcome,
  type SourceStream,
  type MergeRow,
} from '../../../../gateway/cellRouter/mergeSources';
import type { SortSpec } from '../../../../domain/instanceOrder';

const sort: SortSpec[] = [{ key: 'DISPLAY_NAME', direction: 'ASC' }];
const row = (name: string): MergeRow => ({
  position: { values: [name], uuid: name },
  cursor: `c-${name}`,
  edges: [name],
});

/** A fake cell holding `names` (sorted), served in batches after a cursor. */
function cell(id: string, names: string[]) {
  const stream: SourceStream<string> = {
    source: id,
    buffer: [],
    hasMore: false,
    requests: 0,
    elapsedMs: 0,
  };
  const serve = (count: number, after?: string): BatchOutcome => {
    const start = after ? names.indexOf(after.slice(2)) + 1 : 0;
    const rows = names.slice(start, start + count).map(row);
    return { ok: true, batch: { rows, hasMore: start + count < names.length }, elapsedMs: 1 };
  };
  return { stream, serve };
}

describe('mergePage', () => {
  it('merges evenly spread cells in one round when each sent its share plus slack', async () => {
    const a = cell('a', ['a1', 'c1', 'e1', 'g1']);
    const b = cell('b', ['b1', 'd1', 'f1', 'h1']);
    absorb(a.stream, a.serve(3));
    absorb(b.stream, b.serve(3));
    const result = await mergePage([a.stream, b.stream], 4, sort, async () => {
      throw new Error('no second round expected');
    });
    expect(result.rows.map((r) => r.edges[0])).toEqual(['a1', 'b1', 'c1', 'd1']);
    expect(result).toMatchObject({ rounds: 1, hasNextPage: true });
  });

  it('asks again before taking a row when a drained cell might still hold an earlier one', async () => {
    const a = cell('a', ['a1', 'c1', 'e1']);
    const b = cell('b', ['b1', 'd1', 'f1']);
    absorb(a.stream, a.serve(2));
    absorb(b.stream, b.serve(2));
    const result = await mergePage([a.stream, b.stream], 4, sort, async (stream, count) =>
      a.serve(count, stream.lastCursor),
    );
    expect(result.rows.map((r) => r.edges[0])).toEqual(['a1', 'b1', 'c1', 'd1']);
    expect(result.rounds).toBe(2);
  });

  it('asks only the cell that ran out, for what the page still needs', async () => {
    const a = cell('a', ['a1', 'a2', 'a3', 'a4', 'a5']);
    const b = cell('b', ['z1', 'z2']);
    absorb(a.stream, a.serve(2));
    absorb(b.stream, b.serve(2));
    const asked: [string, number][] = [];
    const result = await mergePage([a.stream, b.stream], 4, sort, async (stream, count) => {
      asked.push([stream.source, count]);
      return a.serve(count, stream.lastCursor);
    });
    expect(result.rows.map((r) => r.edges[0])).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(asked).toEqual([['a', 2]]);
    expect(result.rounds).toBe(2);
    expect(a.stream.requests).toBe(2);
    expect(b.stream.requests).toBe(1);
  });

  it('drops a cell that fails in a later round and keeps the rows it gave', async () => {
    const a = cell('a', ['a1', 'a2', 'a3']);
    const b = cell('b', ['b1', 'b2', 'b3']);
    absorb(a.stream, a.serve(1));
    absorb(b.stream, b.serve(3));
    const result = await mergePage([a.stream, b.stream], 4, sort, async () => ({
      ok: false,
      status: 'TIMEOUT',
      message: 'no answer',
      elapsedMs: 1000,
    }));
    expect(result.rows.map((r) => r.edges[0])).toEqual(['a1', 'b1', 'b2', 'b3']);
    expect(a.stream.failure).toEqual({ status: 'TIMEOUT', message: 'no answer' });
    expect(result.hasNextPage).toBe(false);
  });

  it('stops asking a cell that claims more but sends nothing', async () => {
    const a = cell('a', ['a1']);
    absorb(a.stream, { ok: true, batch: { rows: [], hasMore: true }, elapsedMs: 1 });
    const result = await mergePage([a.stream], 3, sort, async () => {
      throw new Error('must not ask again');
    });
    expect(result.rows).toEqual([]);
    expect(result.hasNextPage).toBe(false);
  });
});
