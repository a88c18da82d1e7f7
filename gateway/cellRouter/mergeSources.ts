import { comparePositions, type Position, type SortSpec } from '../../domain/instanceOrder';
import type { CellFailureStatus } from './cellClient';

/** One row a source returned: where it sits in the order, and the edges as the client asked. */
export interface MergeRow {
  position: Position;
  cursor: string;
  /** One edge object per client alias of `edges`, in the same order as the aliases. */
  edges: unknown[];
  /** A BUILD record made from a build request rather than a cell's row. */
  fromBuildRequest?: boolean;
}

/** A batch one source answered: rows in order, and whether it has more after them. */
export interface Batch {
  rows: MergeRow[];
  hasMore: boolean;
}

export type BatchOutcome =
  | { ok: true; batch: Batch; elapsedMs: number }
  | { ok: false; status: CellFailureStatus; message: string; elapsedMs: number; detail?: string };

/**
 * Where one source of sorted rows (a cell, the build requests) stands in the merge of
 * one page. `source` says whose rows they are; the merge never reads it.
 */
export interface SourceStream<S = unknown> {
  source: S;
  buffer: MergeRow[];
  hasMore: boolean;
  /** Cursor of the last row this source returned, to ask for what follows it. */
  lastCursor?: string;
  requests: number;
  elapsedMs: number;
  failure?: { status: CellFailureStatus; message: string };
}

export interface MergeResult {
  rows: MergeRow[];
  hasNextPage: boolean;
  rounds: number;
}

/**
 * K-way merge of sorted source streams into one page of `first` rows. A row is only
 * taken when every source that may still hold an earlier row has rows buffered, so when
 * a source's batch runs out (and it has more), that source — and only that one — is
 * asked for its next batch, sized to what the page still needs. A source that fails is
 * dropped from the merge; its failure stays on its stream for the CellResult rows.
 */
export async function mergePage<S>(
  streams: SourceStream<S>[],
  first: number,
  sort: SortSpec[],
  fetchMore: (stream: SourceStream<S>, count: number) => Promise<BatchOutcome>,
): Promise<MergeResult> {
  const page: MergeRow[] = [];
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
    let best: SourceStream<S> | undefined;
    for (const stream of streams) {
      if (stream.failure || stream.buffer.length === 0) continue;
      if (!best || comparePositions(stream.buffer[0].position, best.buffer[0].position, sort) < 0) best = stream;
    }
    if (!best) break;
    page.push(best.buffer.shift()!);
  }
  const hasNextPage = streams.some((s) => !s.failure && (s.buffer.length > 0 || s.hasMore));
  return { rows: page, hasNextPage, rounds };
}

/** Takes a source's answer into its stream: its rows into the buffer, or its failure. */
export function absorb(stream: SourceStream<unknown>, outcome: BatchOutcome): void {
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
