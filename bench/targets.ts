/** One target of issue 6, with what this run measured. Reported, never asserted. */
export interface TargetResult {
  name: string;
  measured: number | boolean | null;
  target: string;
  pass: boolean;
  note?: string;
}

/** What the targets are computed from (p50s in ms, SQL statements per cell request). */
export interface TargetInputs {
  cells: number;
  instancesPerCell: number;
  timeoutMs: number;
  list1000DetailP50: number;
  singleCellList1000DetailP50: number;
  directCellList1000P50: number;
  blackHoledP50: number;
  blackHoledIncomplete: boolean;
  blackHoledCellTimeout: boolean;
  sqlPerCellPage: { first50: number; first1000: number };
}

export const LIST_1000_DETAIL_P50_MS = 250;
export const SHARDING_RATIO_MAX = 1.3;
export const FEDERATION_RATIO_MAX = 2.5;
export const BLACK_HOLE_SLACK_MS = 50;

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/** The targets, evaluated. `list-1000-detail ≤ 250 ms` is stated for 10 × 10,000. */
export function evaluateTargets(m: TargetInputs): TargetResult[] {
  const sharding = ratio(m.list1000DetailP50, m.singleCellList1000DetailP50);
  const federation = ratio(m.singleCellList1000DetailP50, m.directCellList1000P50);
  const fullShape = m.cells >= 10 && m.instancesPerCell >= 10000;
  return [
    {
      name: 'list-1000-detail p50',
      measured: m.list1000DetailP50,
      target: `<= ${LIST_1000_DETAIL_P50_MS} ms`,
      pass: m.list1000DetailP50 <= LIST_1000_DETAIL_P50_MS,
      ...(fullShape ? {} : { note: 'the target is stated for 10 cells x 10,000 instances' }),
    },
    {
      name: 'cost of sharding (C cells / one cell with every row, list-1000-detail p50)',
      measured: sharding,
      target: `<= ${SHARDING_RATIO_MAX}`,
      pass: sharding <= SHARDING_RATIO_MAX,
    },
    {
      name: 'cost of federation (gateway / straight to the cell subgraph, 1000 rows from one cell, p50)',
      measured: federation,
      target: `<= ${FEDERATION_RATIO_MAX}`,
      pass: federation <= FEDERATION_RATIO_MAX,
    },
    {
      name: 'one-cell-black-holed p50',
      measured: m.blackHoledP50,
      target: `<= ${m.timeoutMs + BLACK_HOLE_SLACK_MS} ms (timeout + ${BLACK_HOLE_SLACK_MS})`,
      pass: m.blackHoledP50 <= m.timeoutMs + BLACK_HOLE_SLACK_MS,
    },
    {
      name: 'one-cell-black-holed answer is complete:false with the cell TIMEOUT',
      measured: m.blackHoledIncomplete && m.blackHoledCellTimeout,
      target: 'true',
      pass: m.blackHoledIncomplete && m.blackHoledCellTimeout,
    },
    {
      name: 'SQL statements per cell per page, first=50 vs first=1000',
      measured: m.sqlPerCellPage.first1000 - m.sqlPerCellPage.first50,
      target: 'difference 0 (constant in page size)',
      pass: m.sqlPerCellPage.first1000 === m.sqlPerCellPage.first50,
      note: `first=50: ${m.sqlPerCellPage.first50}, first=1000: ${m.sqlPerCellPage.first1000}`,
    },
  ];
}

/** What the circuit targets of issue 13 are computed from (one-cell-frozen and list-50-dashboard of one run). */
export interface FrozenTargetInputs {
  timeoutMs: number;
  /** CELLS_CIRCUIT_FAILURES of the scenario's gateway. */
  circuitFailures: number;
  healthyDashboardP50: number;
  frozenP50: number;
  frozenFirstMs: number;
  /** Requests of the timed runs that reached the frozen cell. */
  frozenCellRequests: number;
  frozenIncomplete: boolean;
  frozenCellTimeout: boolean;
}

export const FROZEN_RATIO_MAX = 2;

/** Issue 13's circuit targets, evaluated: nobody waits the full timeout on every request. */
export function evaluateFrozenTargets(m: FrozenTargetInputs): TargetResult[] {
  const frozen = ratio(m.frozenP50, m.healthyDashboardP50);
  const allowed = Math.max(m.circuitFailures - 1, 0);
  return [
    {
      name: 'one-cell-frozen first request',
      measured: m.frozenFirstMs,
      target: `<= ${m.timeoutMs + BLACK_HOLE_SLACK_MS} ms (timeout + ${BLACK_HOLE_SLACK_MS})`,
      pass: m.frozenFirstMs <= m.timeoutMs + BLACK_HOLE_SLACK_MS,
    },
    {
      name: 'one-cell-frozen p50 / list-50-dashboard p50 (the requests after the first timeout)',
      measured: frozen,
      target: `<= ${FROZEN_RATIO_MAX}`,
      pass: frozen <= FROZEN_RATIO_MAX,
      note: `one-cell-frozen ${m.frozenP50} ms, list-50-dashboard ${m.healthyDashboardP50} ms`,
    },
    {
      name: 'one-cell-frozen requests that reached the frozen cell after the first',
      measured: m.frozenCellRequests,
      target: `<= ${allowed} (the circuit opens after ${m.circuitFailures} timeouts)`,
      pass: m.frozenCellRequests <= allowed,
    },
    {
      name: 'one-cell-frozen answers are complete:false with the cell TIMEOUT',
      measured: m.frozenIncomplete && m.frozenCellTimeout,
      target: 'true',
      pass: m.frozenIncomplete && m.frozenCellTimeout,
    },
  ];
}
