/**
 * `promise`, or a rejection with `timedOut()` once `ms` have passed, whichever comes
 * first; the timer is cleared either way. The work itself is not cancelled: callers use
 * it where a late answer is simply ignored (a cell database that stopped answering).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  timedOut: () => Error = () => new Error(`no answer within ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
