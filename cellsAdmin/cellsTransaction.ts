import type { ApiClient, ApiTx } from './types';

// One advisory key for every change to the cells index: checks like "no other cell
// uses this database URL" have no unique index behind them, so concurrent writers
// take turns instead of both passing the check.
const CELLS_INDEX_LOCK = 72707370;

/** Runs `fn` in one API transaction holding the cells-index lock; nothing is written if it throws. */
export function cellsTransaction<T>(api: ApiClient, fn: (tx: ApiTx) => Promise<T>): Promise<T> {
  return api.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${CELLS_INDEX_LOCK})::text`);
    return fn(tx);
  });
}
