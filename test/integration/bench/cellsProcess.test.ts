import { BENCH_SECRET } from '../../../bench/fleet';
import { internal, post } from '../../../bench/client';
import { parseBenchOptions } from '../../../bench/options';
import { LIST_DASHBOARD, LIST_DETAIL_DIRECT } from '../../../bench/queries';
import { throughput } from '../../../bench/scenarios/throughput';
import { useBenchFleet } from '../../helpers/benchFleet';
import { processAlive } from '../../helpers/faults';
import { testServices } from '../../helpers/services';

// `--hosting cells-process`: a real child process hosting both cells of a real (small) bench fleet.
describe('the bench with every cell subgraph in one child process', () => {
  const bench = useBenchFleet('cptest', 'cells-process');

  it('runs both cells in one child process, each on its own port, counting its own SQL', async () => {
    const [one, two] = bench.fleet().cells;
    const pid = one.subgraph.probe!.pid;
    expect(pid).not.toBe(process.pid);
    expect(two.subgraph.probe!.pid).toBe(pid);
    expect(one.subgraph.url).not.toBe(two.subgraph.url);

    const before = [await one.subgraph.statements(), await two.subgraph.statements()];
    const answer = await post(one.subgraph.url, internal(BENCH_SECRET), LIST_DETAIL_DIRECT, { first: 5 });
    expect(answer.status).toBe(200);
    expect((answer.body.data as any).instances.edges).toHaveLength(5);
    expect(await one.subgraph.statements()).toBeGreaterThan(before[0]);
    expect(await two.subgraph.statements()).toBe(before[1]);
  });

  it('answers the dashboard through the gateway from both cells, and counts the process CPU once', async () => {
    const fleet = bench.fleet();
    const answer = await fetch(fleet.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fleet.adminToken}` },
      body: JSON.stringify({ query: LIST_DASHBOARD, variables: { first: 50 } }),
    });
    const instances = ((await answer.json()) as any).data.instances;
    expect(instances.edges).toHaveLength(50);
    expect(instances.complete).toBe(true);
    expect(instances.cells.map((c: { status: string }) => c.status)).toEqual(['OK', 'OK']);

    const options = parseBenchOptions(['node', 'bench', '--concurrency', '2', '--duration', '2'], {
      CELLS_PG_URL: testServices.pgUrl,
    });
    const probe = fleet.cells[0].subgraph.probe!;
    const cpuBefore = (await probe.memory()).cpuMs;
    const report = await throughput({ fleet, options, log: () => undefined });
    const cpuSpent = (await probe.memory()).cpuMs - cpuBefore;
    expect(report.requests).toBeGreaterThan(0);
    expect(report.errors + report.non2xx + report.graphqlErrors + report.incomplete).toBe(0);
    // The one process's CPU per request, not once per cell it hosts (which would double it).
    expect(report.cellCpuMsPerRequest).not.toBeNull();
    expect(report.cellCpuMsPerRequest!).toBeLessThanOrEqual(cpuSpent / report.requests + 0.01);
    // The machine's breakdown holds the same figure, and the statements the cells sent cost PostgreSQL time.
    const cpu = report.cpuMsPerRequest!;
    expect(cpu.cellProcesses).toBe(report.cellCpuMsPerRequest);
    expect(cpu.postgres!).toBeGreaterThan(0);
    expect(cpu.benchProcess).toBeGreaterThan(0);
    expect(cpu.gatewayProcesses).toBeNull();
  }, 60000);

  it('stops the child process when the fleet closes', async () => {
    const pid = bench.fleet().cells[0].subgraph.probe!.pid;
    await bench.close();
    expect(processAlive(pid)).toBe(false);
  }, 60000);
});
