import type { CpuPerRequest } from './cpuMeter';
import { summarizeMemory, type MemorySummary } from './memoryTargets';
import type { MemoryReport } from './scenarios/memory';
import type { BenchOptions } from './options';
import {
  evaluateFrozenTargets,
  evaluateTargets,
  type FrozenTargetInputs,
  type TargetInputs,
  type TargetResult,
} from './targets';

/** The headline of a run: p50 per scenario, ratios and targets, work per request. */
export interface RunSummary {
  p50Ms: Record<string, number>;
  ratios: {
    sharding: number | null;
    federation: number | null;
    /** Issue 14: each list scenario's p50 over the data floor's p50, same run. */
    toDataFloor: Record<string, number> | null;
    /** Issue 14: the cell subgraph straight, 1000 rows, over its own SQL time for that page. */
    cellStraightToSql: number | null;
  };
  /** Issue 14: the data floor (list-1000-detail with pg directly) and the cell subgraph's SQL alone, p50. */
  floorP50Ms: { dataFloor: number | null; cellSql: number | null };
  targets: TargetResult[] | { skipped: string };
  /** Issue 13: one cell frozen behind its circuit, against the healthy dashboard of the same run. */
  circuitTargets: TargetResult[] | { skipped: string };
  perRequest: Record<string, { gatewayToCells: number; gatewayToGlobal: number; sqlCells: number; sqlGlobal: number }>;
  sqlPerCellPerPage: Record<string, number> | null;
  throughput: {
    requestsPerSecond: number;
    errors: number;
    incomplete: number;
    gateways: number;
    /** The cell processes' CPU ms per request (`--hosting processes`), else null. */
    cellCpuMsPerRequest: number | null;
    /** Where the machine's CPU went over the load, ms per request (bench/cpuMeter.ts); null in older reports. */
    cpuMsPerRequest: CpuPerRequest | null;
  } | null;
  /** Issue 14's memory: each server a process of its own (the memory scenario, --hosting processes). */
  memory: MemorySummary | { skipped: string } | null;
}

type Report = Record<string, any>;

// The latency reports of a run, flattened: instance-by-uuid has a cold and a warm one.
function latencies(report: Report): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, value] of Object.entries(report.scenarios ?? {})) {
    if (name === 'throughput' || name === 'data-floor' || name === 'memory') continue;
    if (name === 'instance-by-uuid') {
      out['instance-by-uuid (cold cache)'] = (value as Report).cold;
      out['instance-by-uuid (warm cache)'] = (value as Report).warm;
    } else out[name] = value;
  }
  if (report.oneCell) {
    out['one cell: list-1000-detail via gateway'] = report.oneCell.list1000DetailViaGateway;
    out['one cell: list-1000 straight to the cell'] = report.oneCell.list1000DirectToCell;
  }
  return out;
}

/** Summarizes a finished run (whatever scenarios it ran). */
export function summarizeRun(report: Report, options: BenchOptions): RunSummary {
  const all = latencies(report);
  const p50Ms = Object.fromEntries(Object.entries(all).map(([name, r]) => [name, r.timing.p50]));
  const perRequest = Object.fromEntries(
    Object.entries(all).map(([name, r]) => [
      name,
      {
        gatewayToCells: r.perRequest.gatewayToCells.total,
        gatewayToGlobal: r.perRequest.gatewayToGlobal.total,
        sqlCells: r.perRequest.sql.cellsTotal,
        sqlGlobal: r.perRequest.sql.global,
      },
    ]),
  );
  const inputs = targetInputs(report, options);
  const frozen = frozenInputs(report);
  const round = (n: number) => Math.round(n * 100) / 100;
  const detail = report.scenarios?.['list-1000-detail']?.timing.p50;
  const one = report.oneCell;
  const t = report.scenarios?.throughput;
  const floor: number | undefined = report.scenarios?.['data-floor']?.timing.p50;
  const cellSql: number | undefined = one?.cellSql?.timing.p50;
  const lists = Object.entries(p50Ms).filter(([name]) => name.includes('list-'));
  return {
    p50Ms,
    ratios: {
      sharding: detail && one ? round(detail / one.list1000DetailViaGateway.timing.p50) : null,
      federation: one ? round(one.list1000DetailViaGateway.timing.p50 / one.list1000DirectToCell.timing.p50) : null,
      toDataFloor: floor ? Object.fromEntries(lists.map(([name, p50]) => [name, round(p50 / floor)])) : null,
      cellStraightToSql: one && cellSql ? round(one.list1000DirectToCell.timing.p50 / cellSql) : null,
    },
    floorP50Ms: { dataFloor: floor ?? null, cellSql: cellSql ?? null },
    targets: 'missing' in inputs ? { skipped: `needs ${inputs.missing.join(', ')}` } : evaluateTargets(inputs),
    circuitTargets:
      'missing' in frozen ? { skipped: `needs ${frozen.missing.join(', ')}` } : evaluateFrozenTargets(frozen),
    perRequest,
    sqlPerCellPerPage: report.sqlPerPage?.perCellPerPage ?? null,
    throughput: t
      ? {
          requestsPerSecond: t.requestsPerSecond.mean,
          errors: t.errors + t.non2xx + t.graphqlErrors,
          incomplete: t.incomplete,
          gateways: t.gateways ?? 1,
          cellCpuMsPerRequest: t.cellCpuMsPerRequest ?? null,
          cpuMsPerRequest: t.cpuMsPerRequest ?? null,
        }
      : null,
    memory: memorySummary(report.scenarios?.memory),
  };
}

function memorySummary(m: Report | undefined): RunSummary['memory'] {
  if (!m) return null;
  return 'skipped' in m ? { skipped: m.skipped as string } : summarizeMemory(m as unknown as MemoryReport);
}

function frozenInputs(report: Report): FrozenTargetInputs | { missing: string[] } {
  const s = report.scenarios ?? {};
  const missing = ['list-50-dashboard', 'one-cell-frozen'].filter((name) => !s[name]);
  if (missing.length) return { missing };
  const frozen = s['one-cell-frozen'];
  return {
    timeoutMs: frozen.timeoutMs,
    circuitFailures: frozen.circuit.failures,
    healthyDashboardP50: s['list-50-dashboard'].timing.p50,
    frozenP50: frozen.timing.p50,
    frozenFirstMs: frozen.firstMs,
    frozenCellRequests: frozen.frozenCellRequests,
    frozenIncomplete: frozen.everyAnswerIncomplete,
    frozenCellTimeout: frozen.cellTimeoutEveryTime,
  };
}

function targetInputs(report: Report, options: BenchOptions): TargetInputs | { missing: string[] } {
  const s = report.scenarios ?? {};
  const missing = ['list-1000-detail', 'one-cell-black-holed'].filter((name) => !s[name]);
  if (!report.oneCell) missing.push('ratios');
  if (missing.length) return { missing };
  const hole = s['one-cell-black-holed'];
  return {
    cells: options.cells,
    instancesPerCell: options.instances,
    timeoutMs: options.timeoutMs,
    list1000DetailP50: s['list-1000-detail'].timing.p50,
    singleCellList1000DetailP50: report.oneCell.list1000DetailViaGateway.timing.p50,
    directCellList1000P50: report.oneCell.list1000DirectToCell.timing.p50,
    blackHoledP50: hole.timing.p50,
    blackHoledIncomplete: hole.everyAnswerIncomplete,
    blackHoledCellTimeout: hole.cellTimeoutEveryTime,
    sqlPerCellPage: {
      first50: report.sqlPerPage.perCellPerPage['first=50'],
      first1000: report.sqlPerPage.perCellPerPage['first=1000'],
    },
  };
}

/** The headline on stderr: p50s, the floor and the ratios (the JSON has the rest). */
export function printSummary(summary: RunSummary, log: (line: string) => void): void {
  for (const [name, p50] of Object.entries(summary.p50Ms)) {
    const toFloor = summary.ratios.toDataFloor?.[name];
    log(`p50 ${name}: ${p50} ms${toFloor === undefined ? '' : ` (${toFloor} x the data floor)`}`);
  }
  const { dataFloor, cellSql } = summary.floorP50Ms;
  if (dataFloor !== null) log(`p50 data-floor: ${dataFloor} ms`);
  if (cellSql !== null) log(`p50 cell subgraph SQL, 1000-row detail page: ${cellSql} ms`);
  const r = summary.ratios;
  log(
    `ratios: sharding ${r.sharding ?? '-'}, federation ${r.federation ?? '-'}, cell straight / its SQL ${r.cellStraightToSql ?? '-'}`,
  );
  if (summary.throughput)
    log(
      `throughput: ${summary.throughput.requestsPerSecond} req/s, ${summary.throughput.errors} errors (${summary.throughput.gateways} gateway${summary.throughput.gateways === 1 ? '' : 's'})`,
    );
  const m = summary.memory;
  if (m && !('skipped' in m))
    log(
      `memory: RSS after throughput gateway ${m.rssAfterThroughputMb.gateway} MB, largest cell ${m.rssAfterThroughputMb.cellMax} MB; growth ${m.rssGrowth.gateway} / ${m.rssGrowth.cellsMax} (live heap ${m.liveHeapGrowth.gateway} / ${m.liveHeapGrowth.cellsMax}); peak heap of a 1000-row page gateway ${m.peakHeap1000Mb.gateway} MB, cell ${m.peakHeap1000Mb.cellMax} MB; GC share ${m.gcShare.gateway} / ${m.gcShare.cellsMean}`,
    );
}
