import { summarize, type TimingSummary } from './stats';

/** A scenario's timings and what each run answered with. */
export interface Measured<T> {
  timing: TimingSummary;
  /** The last timed run's result, for checks and counts. */
  last: T;
  results: T[];
}

export interface MeasureOptions<T> {
  warmup: number;
  runs: number;
  /** Untimed work before every run (e.g. clearing a cache). */
  before?: (run: number) => void | Promise<void>;
  /** Called once between the warm-up and the timed runs (e.g. to read counters). */
  timedStart?: () => void | Promise<void>;
  /** Milliseconds of one result. */
  msOf: (result: T) => number;
}

/**
 * Warm-up runs, then timed runs one after another (never overlapping: a scenario
 * measures latency, the throughput scenario measures load). `run(i)` gets the run's
 * index, warm-up runs negative.
 */
export async function measure<T>(run: (i: number) => Promise<T>, options: MeasureOptions<T>): Promise<Measured<T>> {
  for (let i = -options.warmup; i < 0; i++) {
    await options.before?.(i);
    await run(i);
  }
  await options.timedStart?.();
  const results: T[] = [];
  for (let i = 0; i < options.runs; i++) {
    await options.before?.(i);
    results.push(await run(i));
  }
  return { timing: summarize(results.map(options.msOf)), last: results[results.length - 1], results };
}
