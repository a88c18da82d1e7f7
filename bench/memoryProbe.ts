import type { ChildProcess } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';

/** One process's memory, MB (process.memoryUsage), and its GC time since start. */
export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** Milliseconds spent in GC (every kind) since the probe was installed. */
  gcMs: number;
  /** CPU time of the process since it started (user + system, every thread), ms. */
  cpuMs: number;
}

/** The heap during one request: the largest heapUsed seen, above the heap after a full GC before it. */
export interface PeakHeap {
  baselineMb: number;
  peakMb: number;
  /** peakMb - baselineMb. */
  growthMb: number;
}

type ProbeRequest = { type: 'memory' | 'memory-after-gc' | 'peak-start' | 'peak-stop'; id: number };
type ProbeAnswer = { type: 'probe'; id: number; value: MemorySample | PeakHeap | null };

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * Child side (bench/cellHost.ts, bench/gatewayHost.ts): answers the bench's memory
 * questions over IPC. Peak heap: a full GC (the child runs with --expose-gc), then
 * heapUsed sampled every 2 ms and just before every GC until `peak-stop`. A sample
 * cannot see inside one synchronous stretch, so the peak is a lower bound.
 */
export function installMemoryProbe(): void {
  let gcMs = 0;
  let peak: { baseline: number; max: number; timer: NodeJS.Timeout } | null = null;
  const sample = () => {
    if (peak) peak.max = Math.max(peak.max, process.memoryUsage().heapUsed);
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
    sample();
  }).observe({ entryTypes: ['gc'] });
  const answer = (id: number, value: ProbeAnswer['value']) => process.send?.({ type: 'probe', id, value });
  process.on('message', (m: ProbeRequest) => {
    if (m.type === 'memory' || m.type === 'memory-after-gc') {
      // After a full GC, heapUsed is the live heap: what the process holds, not garbage it has not collected yet.
      if (m.type === 'memory-after-gc') (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      const cpu = process.cpuUsage();
      answer(m.id, {
        rssMb: mb(u.rss),
        heapUsedMb: mb(u.heapUsed),
        heapTotalMb: mb(u.heapTotal),
        externalMb: mb(u.external),
        gcMs: Math.round(gcMs),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      });
    } else if (m.type === 'peak-start') {
      (globalThis as { gc?: () => void }).gc?.();
      const baseline = process.memoryUsage().heapUsed;
      if (peak) clearInterval(peak.timer);
      peak = { baseline, max: baseline, timer: setInterval(sample, 2) };
      answer(m.id, null);
    } else if (m.type === 'peak-stop' && peak) {
      sample();
      clearInterval(peak.timer);
      answer(m.id, { baselineMb: mb(peak.baseline), peakMb: mb(peak.max), growthMb: mb(peak.max - peak.baseline) });
      peak = null;
    }
  });
}

/** Bench side: the questions a probed child answers. */
export interface MemoryProbe {
  pid: number;
  memory(): Promise<MemorySample>;
  /** The same after a full GC (heapUsed is then the live heap). */
  memoryAfterGc(): Promise<MemorySample>;
  peakStart(): Promise<void>;
  peakStop(): Promise<PeakHeap>;
}

let nextId = 0;

/** Asks `child` (which runs installMemoryProbe) over IPC. */
export function probeOf(child: ChildProcess): MemoryProbe {
  const ask = <T>(type: ProbeRequest['type']) =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      const listener = (m: ProbeAnswer) => {
        if (m.type === 'probe' && m.id === id) {
          child.off('message', listener);
          resolve(m.value as T);
        }
      };
      child.on('message', listener);
      child.send({ type, id });
    });
  return {
    pid: child.pid ?? 0,
    memory: () => ask<MemorySample>('memory'),
    memoryAfterGc: () => ask<MemorySample>('memory-after-gc'),
    peakStart: () => ask<void>('peak-start'),
    peakStop: () => ask<PeakHeap>('peak-stop'),
  };
}

/** Node.js flags a probed child needs: gc() for the peak baseline. */
export const PROBE_EXEC_ARGV: readonly string[] = ['--expose-gc'];
