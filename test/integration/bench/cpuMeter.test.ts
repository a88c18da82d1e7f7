import { fork } from 'node:child_process';
import { Client } from 'pg';
import { machineBusyMs, postgresCpuMs, processCpuMs, startCpuMeter } from '../../../bench/cpuMeter';
import { testServices } from '../../helpers/services';

// The throughput scenario's CPU breakdown reads real processes: this one, a busy child, and a
// PostgreSQL backend made to work.
const spin = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

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
    // Per request: 400 ms over 2 requests.
    expect(spent.benchProcess).toBeGreaterThanOrEqual(190);
    expect(spent.benchProcess).toBeLessThan(400);
    expect(spent.machine).toBeGreaterThanOrEqual(spent.benchProcess - 10);
    expect(spent.cellProcesses).toBeNull();
    expect(spent.gatewayProcesses).toBeNull();
    expect(spent.rest).toBeGreaterThanOrEqual(0);
    expect(await meter.perRequest(0)).toBeNull();
  });

  it('gives a busy child process its own party, and not the bench process', async () => {
    const child = fork('-e', ['const end = Date.now() + 600; while (Date.now() < end); setTimeout(() => {}, 60000);'], {
      execArgv: [],
      stdio: 'ignore',
    });
    try {
      const pid = child.pid!;
      const meter = await startCpuMeter({ cells: async () => processCpuMs(pid), gatewayPids: [] });
      await new Promise((resolve) => setTimeout(resolve, 900));
      const spent = (await meter.perRequest(1))!;
      expect(spent.cellProcesses!).toBeGreaterThan(300);
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
