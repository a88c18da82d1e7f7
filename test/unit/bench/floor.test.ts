import { batchSize } from '../../../bench/floor';
import { parseBenchOptions } from '../../../bench/options';
import { poolBudget } from '../../../bench/poolBudget';
import { printSummary, summarizeRun } from '../../../bench/summary';

const timing = (p50: number) => ({ runs: 1, min: p50, p50, p95: p50, max: p50, mean: p50 });
const work = {
  gatewayToCells: { total: 10, byCell: {} },
  gatewayToGlobal: { router: 1, planner: 1, total: 2 },
  sql: { cellsTotal: 50, byCell: {}, perCellRequest: {}, global: 2 },
};

describe('the data floor in the bench summary', () => {
  const report = {
    scenarios: {
      'list-1000-detail': { timing: timing(300), perRequest: work },
      'list-50-dashboard': { timing: timing(30), perRequest: work },
      'data-floor': { timing: timing(100), responseBytes: 1, poolMax: 6, sameRowsAsGateway: true },
    },
    oneCell: {
      list1000DetailViaGateway: { timing: timing(250), perRequest: work },
      list1000DirectToCell: { timing: timing(150), perRequest: work },
      cellSql: { timing: timing(20), statementsPerPage: 5, poolMax: 6 },
    },
  };

  it('reports every list scenario as a ratio to the floor, and the cell straight over its SQL', () => {
    const summary = summarizeRun(report, parseBenchOptions(['node', 'bench'], {}));
    expect(summary.ratios.toDataFloor).toEqual({
      'list-1000-detail': 3,
      'list-50-dashboard': 0.3,
      'one cell: list-1000-detail via gateway': 2.5,
      'one cell: list-1000 straight to the cell': 1.5,
    });
    expect(summary.ratios.cellStraightToSql).toBe(7.5);
    expect(summary.floorP50Ms).toEqual({ dataFloor: 100, cellSql: 20 });
    expect(summary.p50Ms['data-floor']).toBeUndefined();
    const lines: string[] = [];
    printSummary(summary, (line) => lines.push(line));
    expect(lines).toContain('p50 list-1000-detail: 300 ms (3 x the data floor)');
    expect(lines).toContain('ratios: sharding 1.2, federation 1.67, cell straight / its SQL 7.5');
  });

  it('leaves the ratios out when the floor or the one-cell run is missing', () => {
    const summary = summarizeRun(
      { scenarios: { 'list-1000-detail': report.scenarios['list-1000-detail'] } },
      {
        ...parseBenchOptions(['node', 'bench'], {}),
      },
    );
    expect(summary.ratios.toDataFloor).toBeNull();
    expect(summary.ratios.cellStraightToSql).toBeNull();
  });

  it("asks each cell for the gateway's share of the page", () => {
    // 100 * 1.1 is 110.00000000000001 in floating point: the gateway asks for 111 too.
    expect(batchSize(1000, 10)).toBe(111);
    expect(batchSize(1000, 3)).toBe(367);
    expect(batchSize(1000, 1)).toBe(1000);
    expect(batchSize(50, 50)).toBe(2);
  });
});

describe("the cell subgraphs' share of PostgreSQL's connections", () => {
  it('gives each cell an equal share of what the global subgraph and the bench leave, 1 to 6', () => {
    expect(poolBudget(100, 3, 10).perCell).toBe(6);
    expect(poolBudget(100, 3, 20).perCell).toBe(3);
    expect(poolBudget(100, 3, 50).perCell).toBe(1);
    expect(poolBudget(100, 3, 1).perCell).toBe(6);
    expect(poolBudget(100, 3, 200).perCell).toBe(1);
  });

  it('keeps 50 cells and the rest within max_connections', () => {
    const b = poolBudget(100, 3, 50);
    expect(b.perCell * b.cells + b.others + b.reserved).toBeLessThanOrEqual(b.maxConnections);
  });
});
