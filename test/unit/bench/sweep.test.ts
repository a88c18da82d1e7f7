import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chartData, FLOOR_SERIES, renderChart } from '../../../bench/chart';
import { parseBenchOptions } from '../../../bench/options';
import { combine, spread, type LoadReport } from '../../../bench/scenarios/throughput';
import { rowsPerCell } from '../../../bench/sweep';

const parse = (...args: string[]) => parseBenchOptions(['node', 'bench', ...args], {});
const fixture = () =>
  JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/bench/sweep-small.json'), 'utf8')) as Record<
    string,
    any
  >;

describe('bench options for gateways and the cells sweep', () => {
  // commander writes its own copy of the message to stderr before throwing.
  beforeAll(() => jest.spyOn(process.stderr, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it('keeps a plain run as it was: one gateway, no sweep', () => {
    const o = parse();
    expect(o.gateways).toBe(1);
    expect(o.cellsSweep).toBeNull();
    expect(o.out).toBe('c10-n10000');
    expect(o.scenarios).toContain('throughput');
  });

  it("reads the cell subgraphs' pool idle time, 1 s by default, and names a value it refuses", () => {
    expect(parse().cellPoolIdleMs).toBe(1000);
    expect(parse('--cell-pool-idle-ms', '10000').cellPoolIdleMs).toBe(10000);
    expect(() => parse('--cell-pool-idle-ms', '0')).toThrow(
      /--cell-pool-idle-ms: expected a positive integer, got "0"/,
    );
  });

  it('reads the bytes of user_data per instance, none by default, at most what Nova accepts', () => {
    expect(parse().userDataBytes).toBe(0);
    expect(parse('--user-data-bytes', '8192').userDataBytes).toBe(8192);
    expect(parse('--user-data-bytes', '65535').userDataBytes).toBe(65535);
    for (const bad of ['65536', '-1', '1e3', 'many', ''])
      expect(() => parse('--user-data-bytes', bad)).toThrow(
        `--user-data-bytes: expected an integer from 0 to 65535, got ${JSON.stringify(bad)}`,
      );
  });

  it("reads the gateway's answer shaping, compiled by default, and names a value it refuses", () => {
    expect(parse().resultShaping).toBe('compiled');
    expect(parse('--result-shaping', 'apollo').resultShaping).toBe('apollo');
    expect(() => parse('--result-shaping', 'fast')).toThrow(
      /--result-shaping: expected compiled or apollo, got "fast"/,
    );
  });

  it('reads --gateways, and refuses more gateways than connections or a non-positive count', () => {
    expect(parse('--gateways', '2').gateways).toBe(2);
    expect(() => parse('--gateways', '0')).toThrow(/--gateways: expected a positive integer, got "0"/);
    expect(() => parse('--gateways', 'two')).toThrow(/--gateways: expected a positive integer, got "two"/);
    expect(() => parse('--gateways', '3', '--concurrency', '2')).toThrow(
      /--gateways: expected at most --concurrency \(2\) gateways, each needs a connection, got 3/,
    );
  });

  it('reads a sweep: sorted counts, the list scenarios only, the plain run total by default', () => {
    const o = parse('--cells-sweep', '50,1,10');
    expect(o.cellsSweep).toEqual([1, 10, 50]);
    expect(o.totalInstances).toBe(100000);
    expect(o.scenarios).toEqual(['list-1000-detail', 'list-1000-next-page', 'list-50-dashboard', 'data-floor']);
    expect(o.out).toBe('sweep-c1-10-50-t100000');
    expect(parse('--cells-sweep', '1,10', '--total-instances', '20000').totalInstances).toBe(20000);
    expect(parse('--cells-sweep', '1,10', '--cells', '4', '--instances', '500').totalInstances).toBe(2000);
    expect(parse('--cells-sweep', '2', '--scenarios', 'data-floor').scenarios).toEqual(['data-floor']);
  });

  it('names the flag and the value it refuses', () => {
    expect(() => parse('--cells-sweep', '0,x')).toThrow(
      /--cells-sweep: expected a comma list of positive integers \(e\.g\. 1,10,50\), got "0,x" \(bad entry "0"\)/,
    );
    expect(() => parse('--cells-sweep', '1,x')).toThrow(/--cells-sweep: .* got "1,x" \(bad entry "x"\)/);
    expect(() => parse('--cells-sweep', '1,,10')).toThrow(/--cells-sweep: .* got "1,,10" \(bad entry ""\)/);
    expect(() => parse('--cells-sweep', '10,10')).toThrow(/--cells-sweep: expected distinct cell counts, got "10,10"/);
    expect(() => parse('--cells-sweep', '1,10', '--scenarios', 'throughput,data-floor')).toThrow(
      /--scenarios: a --cells-sweep runs only list-1000-detail, .* got "throughput"/,
    );
    expect(() => parse('--cells-sweep', '1,50', '--total-instances', '20')).toThrow(
      /--total-instances: expected at least one row per cell \(50 cells\), got 20/,
    );
    expect(() => parse('--total-instances', '2000')).toThrow(/--total-instances: only a --cells-sweep uses it/);
  });
});

describe('sweep points and spreading load over gateways', () => {
  it('spreads the same total rows over every cell count', () => {
    expect(rowsPerCell(100000, 50)).toEqual(Array(50).fill(2000));
    expect(rowsPerCell(10, 3)).toEqual([4, 3, 3]);
    for (const cells of [1, 7, 10, 50]) expect(rowsPerCell(20001, cells).reduce((a, b) => a + b)).toBe(20001);
    expect(() => rowsPerCell(2, 3)).toThrow(/expected 1 <= cells <= total, got 3 cells for 2 rows/);
  });

  it('spreads connections over gateways and sums what their load generators measured', () => {
    expect(spread(16, 2)).toEqual([8, 8]);
    expect(spread(5, 2)).toEqual([3, 2]);
    expect(() => spread(1, 2)).toThrow(/1 connection\(s\) cannot reach 2 gateways/);
    const one = (rps: number, p50: number, errors: number, samples: string[]): LoadReport => ({
      concurrency: 8,
      durationS: 20,
      requests: rps * 20,
      requestsPerSecond: { mean: rps, p50: rps, min: rps - 1 },
      latencyMs: { p50, p97_5: p50 * 2, p99: p50 * 3, max: p50 * 4 },
      errors,
      timeouts: 1,
      non2xx: 0,
      graphqlErrors: errors,
      errorSamples: samples,
      incomplete: samples.length - 1,
      incompleteSamples: samples.map((s) => `TIMEOUT: ${s}`),
    });
    const both = combine([one(30, 100, 0, ['A']), one(20, 150, 2, ['A', 'B'])]);
    expect(both).toMatchObject({
      concurrency: 16,
      durationS: 20,
      requests: 1000,
      requestsPerSecond: { mean: 50, p50: 50, min: 48 },
      latencyMs: { p50: 150, p97_5: 300, p99: 450, max: 600 },
      errors: 2,
      timeouts: 2,
      graphqlErrors: 2,
      errorSamples: ['A', 'B'],
      incomplete: 1,
      incompleteSamples: ['TIMEOUT: A', 'TIMEOUT: B'],
    });
  });
});

describe('the bench chart', () => {
  it('reads every list scenario and the floor at each cell count', () => {
    const data = chartData(fixture());
    expect(data.rows).toHaveLength(8);
    expect(data.rows).toContainEqual({ cells: 10, scenario: FLOOR_SERIES, p50Ms: 110 });
    expect(data.rows).toContainEqual({ cells: 1, scenario: 'list-50-dashboard', p50Ms: 20 });
    expect(data.title).toContain('4,000 instances in total');
    expect(data.subtitle[0]).toContain('2 x Test CPU, 8 GB memory, 2026-12-02');
    expect(() => chartData({ points: [] })).toThrow(/expected a bench JSON/);
  });

  it('renders an SVG with a line per scenario, a point per scenario and cell count, the floor dashed', async () => {
    const svg = await renderChart(fixture());
    expect(svg.startsWith('<svg')).toBe(true);
    // Each line is a path of two points (1 and 10 cells); three list scenarios, then the floor.
    const lines = [...svg.matchAll(/aria-roledescription="line mark" d="M[\d.,]+L[\d.,]+" stroke="([^"]+)"/g)];
    expect(lines).toHaveLength(4);
    expect(new Set(lines.slice(0, 3).map((l) => l[1])).size).toBe(3);
    expect(svg).toMatch(
      /aria-roledescription="line mark" d="M[\d.,]+L[\d.,]+" stroke="black"[^>]*stroke-dasharray="6,4"/,
    );
    // Vega labels every point for screen readers: each list scenario at each cell count, and the floor.
    const labels = [...svg.matchAll(/aria-roledescription="point" /g)].length;
    expect(labels).toBe(8);
    const p50s: Record<string, [number, number]> = {
      'list-1000-detail': [300, 420],
      'list-1000-next-page': [250, 380],
      'list-50-dashboard': [20, 45],
    };
    for (const [name, [at1, at10]] of Object.entries(p50s)) {
      expect(svg).toContain(`>${name}</text>`);
      expect(svg).toContain(`scenario: ${name}; cells: 1; p50Ms: ${at1}"`);
      expect(svg).toContain(`scenario: ${name}; cells: 10; p50Ms: ${at10}"`);
    }
    expect(svg).toMatch(/log scale\): 80; cells: 1; p50Ms: 80"/);
    expect(svg).toMatch(/log scale\): 110; cells: 10; p50Ms: 110"/);
    expect(svg).toContain('data floor (pg directly)');
    expect(svg).toContain("Title text 'Cells bench: p50 per scenario against cells, 4,000 instances in total'");
  });
});
