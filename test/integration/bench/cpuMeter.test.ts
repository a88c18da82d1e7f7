import { fork } from 'node:child_process';
import { Client } from 'pg';
import { machineBusyMs, postgresCpuMs, processCpuMs, startCpuMeter } from '../../../bench/cpuMeter';
import { testServices } from '../../helpers/services';

// The throughput scenario's CPU breakdown reads real processes: this one, a busy child, and a
// PostgreSQL backend made to work.

// Spins until this process has spent `ms` of CPU (not wall time: a loaded machine would stretch that).
const spin = (ms: number) => {
  const start = process.cpuUsage();
  for (;;) {
    const { user, system } = process.cpuUsage(start);
    if (user + system >= ms * 1000) return;
  }
};

// A child that spins for 600 ms of its own CPU when told to, then says so.
const SPINNER = `process.on('message', () => {
  const start = process.cpuUsage();
  for (;;) { const u = process.cpuUsage(start); if (u.user + u.system >= 600000) break; }
  process.send('done');
});`;

describe("the bench's CPU meter", () => {
  it("reads a process's CPU from /proc as Node.js itself counts it, and null for a pid that is gone", () => {
    spin(300);
    const { user, system } = process.cpuUsage();
    const own = (user + system) / 1000;
    const read = processCpuMs(process.pid)!;
    // /proc counts in clock ticks (10 ms here): the two agree within a few ticks.
    expect(Math.abs(read - own)).toBeLessThan(50);
    expect(read).toBeGreaterThan(250);
    expect(processCpuMs(2 ** 22 + 1)).toBeNull();
  });

  it("gives the bench process's work to it, and the machine's busy time covers it", async () => {
    const meter = await startCpuMeter({ cells: async () => null });
    spin(400);
    const spent = (await meter.perRequest(2))!;
    // Per request: at least 400 ms over 2 requests, and little else this process did meanwhile.
    expect(spent.benchProcess).toBeGreaterThanOrEqual(199);
    expect(spent.benchProcess).toBeLessThan(300);
    expect(spent.machine).toBeGreaterThanOrEqual(spent.benchProcess - 10);
    expect(spent.cellProcesses).toBeNull();
    expect(spent.gatewayProcesses).toBeNull();
    expect(spent.rest).toBeGreaterThanOrEqual(0);
    expect(await meter.perRequest(0)).toBeNull();
  });

  it('gives a busy child process its own party, and not the bench process', async () => {
    const child = fork('-e', [SPINNER], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    try {
      const pid = child.pid!;
      await new Promise((resolve) => child.once('spawn', resolve));
      const meter = await startCpuMeter({ cells: async () => processCpuMs(pid), gatewayPids: [] });
      const done = new Promise((resolve) => child.once('message', resolve));
      child.send('go');
      await done;
      const spent = (await meter.perRequest(1))!;
      // 600 ms, read from /proc in clock ticks.
      expect(spent.cellProcesses!).toBeGreaterThanOrEqual(580);
      expect(spent.benchProcess).toBeLessThan(200);
      expect(spent.gatewayProcesses).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("counts PostgreSQL's backends, including the one that did the work", async () => {
    const client = new Client({ connectionString: testServices.pgUrl });
    await client.connect();
    try {
      const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const meter = await startCpuMeter({ cells: async () => null });
      const machineBefore = machineBusyMs();
      await client.query('SELECT count(*) FROM generate_series(1, 4000000)');
      const spent = (await meter.perRequest(1))!;
      expect(postgresCpuMs()!.has(backend)).toBe(true);
      expect(spent.postgres!).toBeGreaterThan(100);
      expect(machineBusyMs() - machineBefore).toBeGreaterThanOrEqual(spent.postgres! - 30);
    } finally {
      await client.end();
    }
  });
});
