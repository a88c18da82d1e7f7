import { comparePositions, type Position, type SortSpec } from '../../domain/instanceOrder';
import type { CellFailureStatus } from './cellClient';
import type { CellEntry } from './cellDirectory';

/** One row a cell returned: where it sits in the order, and the edges as the client asked. */
export interface MergeRow {
  position: Position;
  cursor: string;
  /** One edge object per client alias of `edges`, in the same order as the aliases. */
  edges: unknown[];
  /** A BUILD record made from a build request rather than a cell's row. */
  fromBuildRequest?: boolean;
}

/** A batch one cell answered: rows in order, and whether it has more after them. */
export interface Batch {
  rows: MergeRow[];
  hasMore: boolean;
}

export type BatchOutcome =
  | { ok: true; batch: Batch; elapsedMs: number }
  | { ok: false; status: CellFailureStatus; message: string; elapsedMs: number; detail?: string };

/** Where each cell stands in the merge of one page. */
export interface CellStream {
  cell: CellEntry;
  buffer: MergeRow[];
  hasMore: boolean;
  /** Cursor of the last row this cell returned, to ask for what follows it. */
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
 * K-way merge of per-cell sorted streams into one page of `first` rows. A row is only
 * taken when every cell that may still hold an earlier row has rows buffered, so when
 * a cell's batch runs out (and it has more), that cell — and only that cell — is asked
 * for its next batch, sized to what the page still needs. A cell that fails is dropped
 * from the merge; its failure stays on its stream for the CellResult rows.
 */
export async function mergePage(
  streams: CellStream[],
  first: number,
  sort: SortSpec[],
  fetchMore: (stream: CellStream, count: number) => Promise<BatchOutcome>,
): Promise<MergeResult> {
  const page: MergeRow[] = [];
  let rounds = 1;
  while (page.length < first) {
    const starving = streams.filter((s) => !s.failure && s.buffer.length === 0 && s.hasMore);
    if (starving.length) {
      rounds++;
      const need = first - page.length;
      await Promise.all(starving.map(async (stream) => absorb(stream, await fetchMore(stream, need))));
      continue;
    }
    let best: CellStream | undefined;
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

/** Adds a cell's answer to its stream (or records its failure). */
export function absorb(stream: CellStream, outcome: BatchOutcome): void {
  stream.requests++;
  stream.elapsedMs += outcome.elapsedMs;
  if (!outcome.ok) {
    stream.failure = { status: outcome.status, message: outcome.message };
    stream.buffer = [];
    stream.hasMore = false;
    return;
  }
  stream.buffer.push(...outcome.batch.rows);
  // A cell claiming more but sending nothing would stall the merge forever.
  stream.hasMore = outcome.batch.hasMore && outcome.batch.rows.length > 0;
  const last = outcome.batch.rows[outcome.batch.rows.length - 1];
  if (last) stream.lastCursor = last.cursor;
}
