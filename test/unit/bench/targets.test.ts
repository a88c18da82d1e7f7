import { summarizeMemory } from '../../../bench/memoryTargets';
import { parseBenchOptions } from '../../../bench/options';
import type { MemoryReport } from '../../../bench/scenarios/memory';
import { percentile, summarize } from '../../../bench/stats';
import {
  evaluateFrozenTargets,
  evaluateTargets,
  type FrozenTargetInputs,
  type TargetInputs,
} from '../../../bench/targets';

const MEASURED: TargetInputs = {
  cells: 10,
  instancesPerCell: 10000,
  timeoutMs: 1000,
  list1000DetailP50: 240,
  singleCellList1000DetailP50: 200,
  directCellList1000P50: 100,
  blackHoledP50: 1020,
  blackHoledIncomplete: true,
  blackHoledCellTimeout: true,
  sqlPerCellPage: { first50: 5, first1000: 5 },
};

describe('the benchmark targets', () => {
  it('pass when every measurement is within its target, with the ratios computed in the run', () => {
    const results = evaluateTargets(MEASURED);
    expect(results.every((r) => r.pass)).toBe(true);
    expect(results.map((r) => r.measured)).toEqual([240, 1.2, 2, 1020, true, 0]);
  });

  it('fail one by one when a measurement misses', () => {
    const failing = (change: Partial<TargetInputs>) =>
      evaluateTargets({ ...MEASURED, ...change })
        .filter((r) => !r.pass)
        .map((r) => r.name);
    expect(failing({ list1000DetailP50: 251 })).toEqual(['list-1000-detail p50']);
    expect(failing({ list1000DetailP50: 240, singleCellList1000DetailP50: 180 })).toEqual([
      expect.stringMatching(/^cost of sharding/),
    ]);
    expect(failing({ directCellList1000P50: 70 })).toEqual([expect.stringMatching(/^cost of federation/)]);
    expect(failing({ blackHoledP50: 1051 })).toEqual(['one-cell-black-holed p50']);
    expect(failing({ blackHoledCellTimeout: false })).toEqual([
      expect.stringMatching(/complete:false with the cell TIMEOUT/),
    ]);
    expect(failing({ sqlPerCellPage: { first50: 5, first1000: 6 } })).toEqual([
      expect.stringMatching(/^SQL statements per cell/),
    ]);
  });

  it('notes that the latency target is stated for the full shape', () => {
    expect(evaluateTargets({ ...MEASURED, cells: 3, instancesPerCell: 2000 })[0].note).toMatch(/10 cells x 10,000/);
    expect(evaluateTargets(MEASURED)[0].note).toBeUndefined();
  });
});

const FROZEN: FrozenTargetInputs = {
  timeoutMs: 1000,
  circuitFailures: 3,
  healthyDashboardP50: 20,
  frozenP50: 30,
  frozenFirstMs: 1030,
  frozenCellRequests: 2,
  frozenIncomplete: true,
  frozenCellTimeout: true,
};

describe('the circuit targets (one cell frozen)', () => {
  it('pass when the first request pays one timeout and the rest stay within 2x the healthy dashboard', () => {
    const results = evaluateFrozenTargets(FROZEN);
    expect(results.every((r) => r.pass)).toBe(true);
    expect(results.map((r) => r.measured)).toEqual([1030, 1.5, 2, true]);
    expect(results[1].note).toBe('one-cell-frozen 30 ms, list-50-dashboard 20 ms');
  });

  it('fail one by one when a measurement misses', () => {
    const failing = (change: Partial<FrozenTargetInputs>) =>
      evaluateFrozenTargets({ ...FROZEN, ...change })
        .filter((r) => !r.pass)
        .map((r) => r.name);
    expect(failing({ frozenFirstMs: 1051 })).toEqual(['one-cell-frozen first request']);
    expect(failing({ frozenP50: 41 })).toEqual([
      expect.stringMatching(/^one-cell-frozen p50 \/ list-50-dashboard p50/),
    ]);
    expect(failing({ frozenCellRequests: 3 })).toEqual([expect.stringMatching(/reached the frozen cell/)]);
    expect(failing({ frozenIncomplete: false })).toEqual([
      expect.stringMatching(/complete:false with the cell TIMEOUT/),
    ]);
  });
});

describe('timing summaries', () => {
  it('reports runs that happened: nearest-rank percentiles', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(summarize(samples)).toEqual({ runs: 20, min: 1, p50: 10, p95: 19, max: 20, mean: 10.5 });
    expect(percentile([5], 95)).toBe(5);
  });

  it('refuses an empty list', () => {
    expect(() => summarize([])).toThrow('expected at least one sample, got none');
  });
});

describe('the bench flags', () => {
  it('defaults to the full shape with warm-up', () => {
    expect(parseBenchOptions(['node', 'bench'], {})).toMatchObject({
      cells: 10,
      instances: 10000,
      runs: 20,
      warmup: 10,
      timeoutMs: 1000,
      hosting: 'in-process',
      out: 'c10-n10000',
    });
  });

  it('refuses a bad value naming the flag and the value', () => {
    expect(() => parseBenchOptions(['node', 'bench', '--cells', '0'], {})).toThrow(
      '--cells: expected a positive integer, got "0"',
    );
    expect(() => parseBenchOptions(['node', 'bench', '--scenarios', 'list-1000-detail,nope'], {})).toThrow(
      '--scenarios: expected names from',
    );
  });
});

describe('the memory targets', () => {
  const sample = (rssMb: number) => ({ rssMb, heapUsedMb: 40, heapTotalMb: 50, externalMb: 5, gcMs: 0, cpuMs: 0 });
  const report = (cellRssMaxMb: number, cellsPerProcess: number) =>
    ({
      afterThroughput: { gateway: sample(200), cells: {} },
      cellRssMaxMb,
      cellsPerProcess,
      rssGrowth: { gateway: 1, cellsMax: 1 },
      liveHeapGrowth: { gateway: 1, cellsMax: 1 },
      peakHeap1000: { gateway: { growthMb: 10 }, cellsMaxGrowthMb: 5 },
      gcShareDuringThroughput: { gateway: 0.02, cellsMean: 0.02 },
      list1000Detail: { p50: 200 },
      throughput: { errors: 0, non2xx: 0, graphqlErrors: 0, requestsPerSecond: { mean: 50 } },
    }) as unknown as MemoryReport;
  const cellTarget = (m: MemoryReport) => summarizeMemory(m).targets[0];

  it('judges a process of several cells by its RSS per cell it hosts', () => {
    expect(cellTarget(report(140, 1))).toMatchObject({ measured: 140, pass: true });
    expect(cellTarget(report(160, 1))).toMatchObject({ measured: 160, pass: false });
    expect(cellTarget(report(400, 10))).toMatchObject({
      name: 'cell subgraph RSS after the throughput, per cell (the process of 10 cells / 10)',
      measured: 40,
      pass: true,
    });
  });
});
