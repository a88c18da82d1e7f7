import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Where the machine's CPU went over a stretch of the bench, ms per answered request.
 * On a machine the bench has to itself, requests/s is bounded by cores × 1000 / machine:
 * the breakdown says which party a higher throughput has to come from.
 */
export interface CpuPerRequest {
  /** Every core's busy time (user, nice, system, irq; `os.cpus()`). */
  machine: number;
  /** The bench's own process: its gateway, the global subgraph, the load generator, and the cells when in-process. */
  benchProcess: number;
  /** The cell subgraph child processes, each process once; null when the cells run in the bench's process. */
  cellProcesses: number | null;
  /** With `--gateways N`: the gateway child processes; else null (the gateway is in the bench's process). */
  gatewayProcesses: number | null;
  /**
   * PostgreSQL's processes (postmaster, backends, background workers) from /proc; a backend
   * that exits inside the stretch takes its time with it, so this is a lower bound. Null
   * where /proc cannot say.
   */
  postgres: number | null;
  /** machine minus every party above: the broker, Redis, the kernel's own work and anything else running. */
  rest: number;
}

/** What a meter reads at a moment: cumulative CPU ms per party. */
interface Reading {
  machine: number;
  bench: number;
  cells: number | null;
  gateways: number | null;
  postgres: Map<number, number> | null;
}

export interface CpuMeterParties {
  /** The cell processes' cumulative CPU ms (each process once), or null when the cells are in-process. */
  cells: () => Promise<number | null>;
  /** Pids of gateway child processes, if any. */
  gatewayPids?: number[];
}

/** Starts measuring now; `perRequest(n)` divides what each party spent since by n answered requests. */
export async function startCpuMeter(
  parties: CpuMeterParties,
): Promise<{ perRequest(requests: number): Promise<CpuPerRequest | null> }> {
  const read = async (): Promise<Reading> => ({
    machine: machineBusyMs(),
    bench: ownCpuMs(),
    cells: await parties.cells(),
    gateways: parties.gatewayPids?.length ? sum(parties.gatewayPids.map((pid) => processCpuMs(pid) ?? 0)) : null,
    postgres: postgresCpuMs(),
  });
  const before = await read();
  return {
    async perRequest(requests) {
      if (requests <= 0) return null;
      const after = await read();
      const per = (ms: number) => Math.round((ms / requests) * 100) / 100;
      const spent = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
      const machine = after.machine - before.machine;
      const bench = after.bench - before.bench;
      const cells = spent(after.cells, before.cells);
      const gateways = spent(after.gateways, before.gateways);
      // Backends born inside the stretch count from zero; ones that left count nothing.
      const postgres =
        after.postgres && before.postgres
          ? sum([...after.postgres].map(([pid, ms]) => ms - (before.postgres!.get(pid) ?? 0)))
          : null;
      return {
        machine: per(machine),
        benchProcess: per(bench),
        cellProcesses: cells === null ? null : per(cells),
        gatewayProcesses: gateways === null ? null : per(gateways),
        postgres: postgres === null ? null : per(postgres),
        rest: per(Math.max(0, machine - bench - (cells ?? 0) - (gateways ?? 0) - (postgres ?? 0))),
      };
    },
  };
}

const sum = (values: number[]) => values.reduce((n, v) => n + v, 0);

/** Busy time of every core since boot, ms. */
export function machineBusyMs(): number {
  return sum(os.cpus().map(({ times }) => times.user + times.nice + times.sys + times.irq));
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** A process's CPU time (user + system) from /proc/<pid>/stat, ms; null if it is gone or there is no /proc. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** Every process named `postgres` (/proc/<pid>/comm) and its CPU ms; null without /proc. */
export function postgresCpuMs(): Map<number, number> | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const name of pids) {
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // gone since the listing
    }
    const ms = processCpuMs(Number(name));
    if (ms !== null) out.set(Number(name), ms);
  }
  return out;
}
