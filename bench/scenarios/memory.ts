import path from 'node:path';
import { bearer, post } from '../client';
import { benchGatewayConfig, DEFAULT_CELL_TIMEOUT_MS, type FleetCell } from '../fleet';
import { forkHost, stopHost } from '../childHost';
import { measure } from '../measure';
import { probeOf, type MemoryProbe, type MemorySample, type PeakHeap } from '../memoryProbe';
import { LIST_DASHBOARD, LIST_DETAIL } from '../queries';
import type { TimingSummary } from '../stats';
import type { ScenarioContext } from './context';
import { expectPage } from './lists';
import { throughput, type ThroughputReport } from './throughput';

/** Memory of the gateway and each cell subgraph process (one per cell, or one for every cell). */
export interface MemoryReport {
  layout: string;
  /** NODE_OPTIONS the servers ran with (the young-generation size among them). */
  nodeOptions: string | null;
  afterWarmup: { gateway: MemorySample; cells: Record<string, MemorySample> };
  afterThroughput: { gateway: MemorySample; cells: Record<string, MemorySample> };
  /** After the warm-up and after the throughput, each following a full GC: heapUsed is the live heap. */
  afterGc: {
    warmup: { gateway: MemorySample; cells: Record<string, MemorySample> };
    throughput: { gateway: MemorySample; cells: Record<string, MemorySample> };
  };
  /** Live heap after the throughput over after the warm-up (both after a full GC): growth a leak would show. */
  liveHeapGrowth: { gateway: number; cellsMax: number };
  /** RSS after the throughput over RSS after the warm-up: the gateway, and the largest of the cells. */
  rssGrowth: { gateway: number; cellsMax: number };
  /** The largest cell subgraph process's RSS after the throughput. */
  cellRssMaxMb: number;
  /** Cells per cell subgraph process (1 with --hosting processes; every cell with cells-process). */
  cellsPerProcess: number;
  /** One list-1000-detail page through the gateway: the gateway's heap and each cell's (1000 rows each). */
  peakHeap1000: { gateway: PeakHeap; cells: Record<string, PeakHeap>; cellsMaxGrowthMb: number };
  /** list-1000-detail through this layout's gateway (the semi-space table's latency column). */
  list1000Detail: TimingSummary;
  /** GC time over wall time during the throughput: the gateway, and the mean of the cells. */
  gcShareDuringThroughput: { gateway: number; cellsMean: number };
  throughput: ThroughputReport;
}

/**
 * memory: a gateway in a child process of its own over the fleet's global subgraph and
 * cell subgraphs (which `--hosting processes` already runs one per child, and `--hosting
 * cells-process` all in one), so each RSS is one process's. Warm-up (list-1000-detail and
 * list-50-dashboard, --warmup each), RSS and heap; --runs timed list-1000-detail; the heap
 * of one 1000-row page; the throughput scenario against this gateway; RSS and heap again.
 */
export async function memory(ctx: ScenarioContext): Promise<MemoryReport> {
  const { fleet, options } = ctx;
  const config = benchGatewayConfig(
    fleet.global.url,
    DEFAULT_CELL_TIMEOUT_MS,
    fleet.cells.length,
    options.resultShaping,
  );
  const { child, url } = await forkHost(path.join(__dirname, '..', 'gatewayHost.ts'), config, 'gateway host');
  try {
    const gateway = probeOf(child);
    const cells = cellProcesses(fleet.cells);
    const headers = bearer(fleet.adminToken);
    const detail = async () => {
      const answer = await post(url, headers, LIST_DETAIL, { first: 1000 });
      expectPage('memory: list-1000-detail', 1000)(answer);
      return answer;
    };
    for (let i = 0; i < options.warmup; i++) {
      await detail();
      expectPage('memory: list-50-dashboard', 50)(await post(url, headers, LIST_DASHBOARD, { first: 50 }));
    }
    const afterWarmup = await sampleAll(gateway, cells);
    const warmupLive = await sampleAll(gateway, cells, true);
    const timed = await measure(detail, { warmup: 0, runs: options.runs, msOf: (a) => a.ms });

    const probes = [gateway, ...cells.map(([, p]) => p)];
    await Promise.all(probes.map((p) => p.peakStart()));
    await detail();
    const [gatewayPeak, ...cellPeaks] = await Promise.all(probes.map((p) => p.peakStop()));

    const started = performance.now();
    const before = await sampleAll(gateway, cells);
    const load = await throughput(ctx, url);
    const afterThroughput = await sampleAll(gateway, cells);
    const wallMs = performance.now() - started;
    const throughputLive = await sampleAll(gateway, cells, true);
    const liveGrowth = (a: MemorySample, b: MemorySample) => round(b.heapUsedMb / a.heapUsedMb, 2);
    const share = (a: MemorySample, b: MemorySample) => round((b.gcMs - a.gcMs) / wallMs, 3);
    const cellShares = cells.map(([name]) => share(before.cells[name], afterThroughput.cells[name]));
    const cellRss = cells.map(([name]) => afterThroughput.cells[name].rssMb);
    return {
      layout: `the gateway in a Node.js child process of its own (tsx), ${
        cells.length === fleet.cells.length
          ? 'each cell subgraph in one of its own'
          : `the cell subgraphs in ${cells.length} (the "cells" figures are per process)`
      }; the global subgraph and the load generator in the bench process`,
      nodeOptions: process.env.NODE_OPTIONS?.trim() || null,
      afterWarmup,
      afterThroughput,
      rssGrowth: {
        gateway: round(afterThroughput.gateway.rssMb / afterWarmup.gateway.rssMb, 2),
        cellsMax: Math.max(
          ...cells.map(([name]) => round(afterThroughput.cells[name].rssMb / afterWarmup.cells[name].rssMb, 2)),
        ),
      },
      afterGc: { warmup: warmupLive, throughput: throughputLive },
      liveHeapGrowth: {
        gateway: liveGrowth(warmupLive.gateway, throughputLive.gateway),
        cellsMax: Math.max(...cells.map(([name]) => liveGrowth(warmupLive.cells[name], throughputLive.cells[name]))),
      },
      cellRssMaxMb: Math.max(...cellRss),
      cellsPerProcess: fleet.cells.length / cells.length,
      peakHeap1000: {
        gateway: gatewayPeak,
        cells: Object.fromEntries(cells.map(([name], i) => [name, cellPeaks[i]])),
        cellsMaxGrowthMb: Math.max(...cellPeaks.map((p) => p.growthMb)),
      },
      list1000Detail: timed.timing,
      gcShareDuringThroughput: {
        gateway: share(before.gateway, afterThroughput.gateway),
        cellsMean: round(cellShares.reduce((a, b) => a + b, 0) / cellShares.length, 3),
      },
      throughput: load,
    };
  } finally {
    await stopHost(child);
  }
}

/**
 * The cell subgraphs' processes, each once, named by its cell, or by its first and last
 * cell and how many it hosts (`--hosting cells-process`).
 */
function cellProcesses(cells: readonly FleetCell[]): (readonly [string, MemoryProbe])[] {
  const byProbe = new Map<MemoryProbe, string[]>();
  for (const cell of cells) {
    const probe = cell.subgraph.probe;
    if (!probe)
      throw new Error('memory: needs cell subgraphs in child processes (--hosting processes or cells-process)');
    byProbe.set(probe, [...(byProbe.get(probe) ?? []), cell.name]);
  }
  return [...byProbe].map(([probe, names]) => [
    names.length === 1 ? names[0] : `${names[0]}..${names.at(-1)} (${names.length} cells)`,
    probe,
  ]);
}

async function sampleAll(
  gateway: MemoryProbe,
  cells: (readonly [string, MemoryProbe])[],
  afterGc = false,
): Promise<{ gateway: MemorySample; cells: Record<string, MemorySample> }> {
  const sample = (p: MemoryProbe) => (afterGc ? p.memoryAfterGc() : p.memory());
  const [g, ...c] = await Promise.all([sample(gateway), ...cells.map(([, p]) => sample(p))]);
  return { gateway: g, cells: Object.fromEntries(cells.map(([name], i) => [name, c[i]])) };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
