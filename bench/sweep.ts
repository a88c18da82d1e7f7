import type { RunSummary } from './summary';

/**
 * Rows per cell for a sweep point: `total` rows over `cells` cells, as even as can be
 * (the first `total % cells` cells take one more), so every point holds the same rows.
 */
export function rowsPerCell(total: number, cells: number): number[] {
  if (!Number.isInteger(total) || !Number.isInteger(cells) || cells < 1 || total < cells)
    throw new Error(`rowsPerCell: expected 1 <= cells <= total, got ${cells} cells for ${total} rows`);
  const base = Math.floor(total / cells);
  return Array.from({ length: cells }, (_, i) => base + (i < total % cells ? 1 : 0));
}

/** One cell count of a sweep: its deployment, its scenarios' reports and their headline. */
export interface SweepPoint {
  cells: number;
  instancesPerCell: number[];
  poolBudget: unknown;
  seeding: unknown;
  scenarios: Record<string, any>;
  summary: Pick<RunSummary, 'p50Ms' | 'floorP50Ms'> & { toDataFloor: RunSummary['ratios']['toDataFloor'] };
}

/** The JSON a `--cells-sweep` writes: every point of the sweep, smallest cell count first. */
export interface SweepReport {
  kind: 'cells-sweep';
  name: string;
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, any>;
  config: Record<string, any>;
  hosting: string;
  totalInstances: number;
  points: SweepPoint[];
}

/** One point's headline: p50 per list scenario, the floor and each list over the floor. */
export function pointSummary(summary: RunSummary): SweepPoint['summary'] {
  return { p50Ms: summary.p50Ms, floorP50Ms: summary.floorP50Ms, toDataFloor: summary.ratios.toDataFloor };
}
