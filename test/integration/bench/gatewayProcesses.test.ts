import { benchGatewayConfig, DEFAULT_CELL_TIMEOUT_MS, type Fleet } from '../../../bench/fleet';
import { startGatewayProcesses } from '../../../bench/gatewayProcesses';
import { parseBenchOptions } from '../../../bench/options';
import { LIST_DASHBOARD } from '../../../bench/queries';
import { throughput } from '../../../bench/scenarios/throughput';
import { useBenchFleet } from '../../helpers/benchFleet';
import { testServices } from '../../helpers/services';

// `--gateways 2`: real gateway child processes over a real (small) bench fleet.
describe('the bench with two gateway processes', () => {
  const bench = useBenchFleet('gwtest', 'in-process');
  let fleet: Fleet;
  beforeAll(() => {
    fleet = bench.fleet();
  });

  const dashboard = async (url: string) => {
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fleet.adminToken}` },
      body: JSON.stringify({ query: LIST_DASHBOARD, variables: { first: 50 } }),
    });
    return { status: answer.status, body: (await answer.json()) as any };
  };

  it('starts gateways on their own ports that answer as the bench gateway does, and stops them', async () => {
    const replicas = await startGatewayProcesses(
      benchGatewayConfig(fleet.global.url, DEFAULT_CELL_TIMEOUT_MS, fleet.cells.length),
      2,
    );
    let urls: string[] = [];
    try {
      urls = replicas.urls;
      expect(new Set([...urls, fleet.gateway.url]).size).toBe(3);
      const expected = await dashboard(fleet.gateway.url);
      expect(expected.body.data.instances.edges).toHaveLength(50);
      expect(expected.body.data.instances.complete).toBe(true);
      for (const url of urls) expect(await dashboard(url)).toEqual(expected);
    } finally {
      await replicas.close();
    }
    for (const url of urls) await expect(fetch(url)).rejects.toThrow();
  }, 120000);

  it('spreads the throughput connections over both and sums what each measured', async () => {
    const options = parseBenchOptions(['node', 'bench', '--gateways', '2', '--concurrency', '4', '--duration', '2'], {
      CELLS_PG_URL: testServices.pgUrl,
    });
    const report = await throughput({ fleet, options, log: () => undefined });
    expect(report.gateways).toBe(2);
    expect(report.perGateway?.map((g) => g.concurrency)).toEqual([2, 2]);
    for (const one of report.perGateway ?? []) expect(one.requests).toBeGreaterThan(0);
    expect(report.requests).toBe((report.perGateway ?? []).reduce((n, g) => n + g.requests, 0));
    expect(report.concurrency).toBe(4);
    expect({
      errors: report.errors,
      non2xx: report.non2xx,
      graphqlErrors: report.graphqlErrors,
      incomplete: report.incomplete,
    }).toEqual({ errors: 0, non2xx: 0, graphqlErrors: 0, incomplete: 0 });
  }, 120000);
});
