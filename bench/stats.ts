/** Timing summary of one scenario's timed runs, in milliseconds. */
export interface TimingSummary {
  runs: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/**
 * min/p50/p95/max/mean of `samples` (nearest-rank percentiles, so every reported value
 * is a run that happened). Rounded to 0.1 ms: finer digits are noise on this machine.
 */
export function summarize(samples: readonly number[]): TimingSummary {
  if (samples.length === 0) throw new Error('summarize: expected at least one sample, got none');
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const mean = sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length;
  return {
    runs: sorted.length,
    min: round(sorted[0]),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted[sorted.length - 1]),
    mean: round(mean),
  };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}
