import { comparePositions, type Position, type SortSpec } from '../../domain/instanceOrder';
import type { CellFailureStatus } from './cellClient';

/** One row a source returned: where it sits in the order, and the edges as the client asked. */
export interface MergeRow<P = Position> {
  position: P;
  cursor: string;
  /** One edge object per client alias of `edges`, in the same order as the aliases. */
  edges: unknown[];
  /** A BUILD record made from a build request rather than a cell's row. */
  fromBuildRequest?: boolean;
}

/** A batch one source answered: rows in order, and whether it has more after them. */
export interface Batch<P = Position> {
  rows: MergeRow<P>[];
  hasMore: boolean;
}

export type BatchOutcome<P = Position> =
  | { ok: true; batch: Batch<P>; elapsedMs: number }
  | { ok: false; status: CellFailureStatus; message: string; elapsedMs: number; detail?: string };

/**
 * Where one source of sorted rows (a cell, the build requests) stands in the merge of
 * one page. `source` says whose rows they are; the merge never reads it.
 */
export interface SourceStream<S = unknown, P = Position> {
  source: S;
  buffer: MergeRow<P>[];
  hasMore: boolean;
  /** Cursor of the last row this source returned, to ask for what follows it. */
  lastCursor?: string;
  requests: number;
  elapsedMs: number;
  failure?: { status: CellFailureStatus; message: string };
}

export interface MergeResult<P = Position> {
  rows: MergeRow<P>[];
  hasNextPage: boolean;
  rounds: number;
}

/** How a list orders its rows: an instance sort, or any comparison of positions (host listings). */
export type MergeOrder<P> = SortSpec[] | ((a: P, b: P) => number);

/**
 * K-way merge of sorted source streams into one page of `first` rows. A row is only
 * taken when every source that may still hold an earlier row has rows buffered, so when
 * a source's batch runs out (and it has more), that source — and only that one — is
 * asked for its next batch, sized to what the page still needs. A source that fails is
 * dropped from the merge; its failure stays on its stream for the CellResult rows.
 */
export async function mergePage<S, P = Position>(
  streams: SourceStream<S, P>[],
  first: number,
  order: MergeOrder<P>,
  fetchMore: (stream: SourceStream<S, P>, count: number) => Promise<BatchOutcome<P>>,
): Promise<MergeResult<P>> {
  const compare =
    typeof order === 'function' ? order : (a: P, b: P) => comparePositions(a as Position, b as Position, order);
  const page: MergeRow<P>[] = [];
  let rounds = 1;
  while (page.length < first) {
    // Sources with nothing buffered that may still hold the next row: the page waits for them.
    const starving = streams.filter((s) => !s.failure && s.buffer.length === 0 && s.hasMore);
    if (starving.length) {
      rounds++;
      const need = first - page.length;
      await Promise.all(starving.map(async (stream) => absorb(stream, await fetchMore(stream, need))));
      continue;
    }
    let best: SourceStream<S, P> | undefined;
    for (const stream of streams) {
      if (stream.failure || stream.buffer.length === 0) continue;
      if (!best || compare(stream.buffer[0].position, best.buffer[0].position) < 0) best = stream;
    }
    if (!best) break;
    page.push(best.buffer.shift()!);
  }
  const hasNextPage = streams.some((s) => !s.failure && (s.buffer.length > 0 || s.hasMore));
  return { rows: page, hasNextPage, rounds };
}

/** Takes a source's answer into its stream: its rows into the buffer, or its failure. */
export function absorb<P>(stream: SourceStream<unknown, P>, outcome: BatchOutcome<P>): void {
  stream.requests++;
  stream.elapsedMs += outcome.elapsedMs;
  if (!outcome.ok) {
    stream.failure = { status: outcome.status, message: outcome.message };
    stream.buffer = [];
    stream.hasMore = false;
    return;
  }
  stream.buffer.push(...outcome.batch.rows);
  // A source claiming more but sending nothing would stall the merge forever.
  stream.hasMore = outcome.batch.hasMore && outcome.batch.rows.length > 0;
  const last = outcome.batch.rows[outcome.batch.rows.length - 1];
  if (last) stream.lastCursor = last.cursor;
}
