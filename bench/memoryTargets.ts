import type { MemoryReport } from './scenarios/memory';
import type { TargetResult } from './targets';

export const CELL_RSS_MAX_MB = 150;
export const GATEWAY_RSS_MAX_MB = 250;
export const RSS_GROWTH_MAX = 1.2;

/** The memory scenario's headline: RSS after the throughput, growth, peak heap of a 1000-row page, GC share. */
export interface MemorySummary {
  rssAfterThroughputMb: { gateway: number; cellMax: number };
  rssGrowth: { gateway: number; cellsMax: number };
  /** Live heap (after a full GC) after the throughput over after the warm-up: a leak shows here. */
  liveHeapGrowth: { gateway: number; cellsMax: number };
  peakHeap1000Mb: { gateway: number; cellMax: number };
  gcShare: { gateway: number; cellsMean: number };
  list1000DetailP50Ms: number;
  throughputRps: number;
  targets: TargetResult[];
}

/** Issue 14's memory targets, evaluated on the memory scenario (reported, never asserted). */
export function summarizeMemory(m: MemoryReport): MemorySummary {
  const errors = m.throughput.errors + m.throughput.non2xx + m.throughput.graphqlErrors;
  // Cells hosted together (--hosting cells-process) share a process: its RSS per cell it hosts.
  const perCell = m.cellsPerProcess ?? 1;
  const cellRss = Math.round((m.cellRssMaxMb / perCell) * 10) / 10;
  return {
    rssAfterThroughputMb: { gateway: m.afterThroughput.gateway.rssMb, cellMax: m.cellRssMaxMb },
    rssGrowth: m.rssGrowth,
    liveHeapGrowth: m.liveHeapGrowth,
    peakHeap1000Mb: { gateway: m.peakHeap1000.gateway.growthMb, cellMax: m.peakHeap1000.cellsMaxGrowthMb },
    gcShare: m.gcShareDuringThroughput,
    list1000DetailP50Ms: m.list1000Detail.p50,
    throughputRps: m.throughput.requestsPerSecond.mean,
    targets: [
      {
        name:
          perCell === 1
            ? 'cell subgraph RSS after the throughput (largest cell)'
            : `cell subgraph RSS after the throughput, per cell (the process of ${perCell} cells / ${perCell})`,
        measured: cellRss,
        target: `<= ${CELL_RSS_MAX_MB} MB`,
        pass: cellRss <= CELL_RSS_MAX_MB,
      },
      {
        name: 'gateway RSS after the throughput',
        measured: m.afterThroughput.gateway.rssMb,
        target: `<= ${GATEWAY_RSS_MAX_MB} MB`,
        pass: m.afterThroughput.gateway.rssMb <= GATEWAY_RSS_MAX_MB,
      },
      {
        name: 'RSS after the throughput / after the warm-up, gateway',
        measured: m.rssGrowth.gateway,
        target: `<= ${RSS_GROWTH_MAX}`,
        pass: m.rssGrowth.gateway <= RSS_GROWTH_MAX,
      },
      {
        name: 'RSS after the throughput / after the warm-up, largest of the cells',
        measured: m.rssGrowth.cellsMax,
        target: `<= ${RSS_GROWTH_MAX}`,
        pass: m.rssGrowth.cellsMax <= RSS_GROWTH_MAX,
      },
      {
        name: 'memory scenario throughput without errors',
        measured: errors,
        target: '0',
        pass: errors === 0,
      },
    ],
  };
}
