/**
 * What a call that can fail came to: its value, or why not. One shape for every such call in
 * the project (a cell, the global subgraph, a database, a broker), so a caller never has to
 * guess whether a function throws: it reads `ok`. Partial failure is data (Nova's
 * scatter_gather_cells returns a result or an exception per cell, never raises for one).
 *
 * A failure's `message` is short and fixed per cause, fit for a client; `detail` is the raw
 * text behind it (driver errors, URLs), for the logs only. A family of calls narrows the
 * failure with its own fields: a cell's carries its CellResultStatus, the global subgraph's
 * its error code.
 */
export type Outcome<T, F extends Failure = Failure> = Success<T> | Failed<F>;

export interface Failure {
  message: string;
  detail?: string;
}

export interface Success<T> {
  ok: true;
  value: T;
}

export type Failed<F extends Failure = Failure> = { ok: false } & F;

export function succeed<T>(value: T): Success<T> {
  return { ok: true, value };
}

export function fail<F extends Failure>(failure: F): Failed<F> {
  return { ok: false, ...failure };
}
