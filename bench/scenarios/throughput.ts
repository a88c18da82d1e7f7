import autocannon from 'autocannon';
import { benchGatewayConfig, DEFAULT_CELL_TIMEOUT_MS, type Fleet } from '../fleet';
import { startCpuMeter, type CpuPerRequest } from '../cpuMeter';
import { startGatewayProcesses } from '../gatewayProcesses';
import { LIST_DASHBOARD } from '../queries';
import type { ScenarioContext } from './context';

/** What one load generator measured against one gateway. */
export interface LoadReport {
  concurrency: number;
  durationS: number;
  requests: number;
  requestsPerSecond: { mean: number; p50: number; min: number };
  latencyMs: { p50: number; p97_5: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  graphqlErrors: number;
  /** Up to five distinct error messages, so an error count can be explained. */
  errorSamples: string[];
  incomplete: number;
  /** Up to five distinct reasons cells gave in `complete: false` answers (`STATUS: message`). */
  incompleteSamples: string[];
}

export interface ThroughputReport extends LoadReport {
  /** Gateway processes the connections were spread over (1: the bench's own gateway). */
  gateways: number;
  /** With 2+ gateways: each one's load generator (the top level sums them). */
  perGateway?: LoadReport[];
  /**
   * `--hosting processes` or `cells-process`: CPU time (user + system) all cell subgraph
   * processes spent over the load, per answered request; a measure of the cells' work that
   * the machine's other load does not stretch the way it stretches latency. Null when the
   * cells share the bench's process.
   */
  cellCpuMsPerRequest: number | null;
  /** Where the machine's CPU went over the load, per answered request (bench/cpuMeter.ts). */
  cpuMsPerRequest: CpuPerRequest | null;
}

/**
 * throughput: list-50-dashboard from `--concurrency` connections for `--duration`
 * seconds (autocannon, loopback, bounded by the duration). Answers with GraphQL errors
 * or complete:false are counted by looking at each body. With `--gateways N` (N >= 2)
 * N gateway processes serve the fleet, each on its own port, and the connections are
 * spread over them (one autocannon each, run together): requests and errors are summed.
 */
export async function throughput(ctx: ScenarioContext, url = ctx.fleet.gateway.url): Promise<ThroughputReport> {
  const { fleet, options } = ctx;
  if (options.gateways === 1) {
    const cpu = await startCpuMeter({ cells: cellCpuMs(fleet) });
    const report = await load(fleet, url, options.concurrency, options.duration);
    const spent = await cpu.perRequest(report.requests);
    return { ...report, gateways: 1, cellCpuMsPerRequest: spent?.cellProcesses ?? null, cpuMsPerRequest: spent };
  }
  const replicas = await startGatewayProcesses(
    benchGatewayConfig(fleet.global.url, DEFAULT_CELL_TIMEOUT_MS, fleet.cells.length, options.resultShaping),
    options.gateways,
  );
  try {
    await Promise.all(replicas.urls.map((url) => warm(fleet, url)));
    ctx.log(`${options.gateways} gateway processes: ${replicas.urls.join(', ')}`);
    const cpu = await startCpuMeter({ cells: cellCpuMs(fleet), gatewayPids: replicas.pids });
    const perGateway = await Promise.all(
      spread(options.concurrency, options.gateways).map((connections, i) =>
        load(fleet, replicas.urls[i], connections, options.duration),
      ),
    );
    const combined = combine(perGateway);
    const spent = await cpu.perRequest(combined.requests);
    return {
      ...combined,
      gateways: options.gateways,
      perGateway,
      cellCpuMsPerRequest: spent?.cellProcesses ?? null,
      cpuMsPerRequest: spent,
    };
  } finally {
    await replicas.close();
  }
}

/** The cell processes' cumulative CPU ms, each process once (cells hosted together share a probe); null in-process. */
function cellCpuMs(fleet: Fleet): () => Promise<number | null> {
  const probes = [...new Set(fleet.cells.map((c) => c.subgraph.probe))];
  if (probes.some((p) => !p)) return async () => null;
  return async () => (await Promise.all(probes.map((p) => p!.memory()))).reduce((n, m) => n + m.cpuMs, 0);
}

/** `connections` over `gateways` as evenly as can be (the first ones take one more). */
export function spread(connections: number, gateways: number): number[] {
  if (connections < gateways) throw new Error(`spread: ${connections} connection(s) cannot reach ${gateways} gateways`);
  return Array.from(
    { length: gateways },
    (_, i) => Math.floor(connections / gateways) + (i < connections % gateways ? 1 : 0),
  );
}

/**
 * One report for load generators that ran together: counts and requests/s summed,
 * latency the worst gateway's (each percentile's maximum), error samples merged.
 */
export function combine(reports: LoadReport[]): LoadReport {
  const sum = (pick: (r: LoadReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const max = (pick: (r: LoadReport) => number) => Math.max(...reports.map(pick));
  return {
    concurrency: sum((r) => r.concurrency),
    durationS: max((r) => r.durationS),
    requests: sum((r) => r.requests),
    requestsPerSecond: {
      mean: sum((r) => r.requestsPerSecond.mean),
      p50: sum((r) => r.requestsPerSecond.p50),
      min: sum((r) => r.requestsPerSecond.min),
    },
    latencyMs: {
      p50: max((r) => r.latencyMs.p50),
      p97_5: max((r) => r.latencyMs.p97_5),
      p99: max((r) => r.latencyMs.p99),
      max: max((r) => r.latencyMs.max),
    },
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    graphqlErrors: sum((r) => r.graphqlErrors),
    errorSamples: [...new Set(reports.flatMap((r) => r.errorSamples))].slice(0, 5),
    incomplete: sum((r) => r.incomplete),
    incompleteSamples: [...new Set(reports.flatMap((r) => r.incompleteSamples))].slice(0, 5),
  };
}

const body = () => JSON.stringify({ query: LIST_DASHBOARD, variables: { first: 50 } });
const headers = (fleet: Fleet) => ({ 'content-type': 'application/json', authorization: `Bearer ${fleet.adminToken}` });

/** A few untimed dashboard pages: a new gateway process plans and loads its modules on its first. */
async function warm(fleet: Fleet, url: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const answer = await fetch(url, { method: 'POST', headers: headers(fleet), body: body() });
    const text = await answer.text();
    if (answer.status !== 200 || text.includes('"errors"') || text.includes('"complete":false'))
      throw new Error(`gateway ${url} did not answer its warm-up dashboard page in full: HTTP ${answer.status}`);
  }
}

async function load(fleet: Fleet, url: string, connections: number, duration: number): Promise<LoadReport> {
  let graphqlErrors = 0;
  let incomplete = 0;
  const errorSamples = new Set<string>();
  const incompleteSamples = new Set<string>();
  const result = await autocannon({
    url,
    connections,
    duration,
    method: 'POST',
    headers: headers(fleet),
    body: body(),
    requests: [
      {
        onResponse: (_status: number, body: string) => {
          // String checks: parsing every body would load the process that also runs the servers.
          if (body.includes('"errors"')) {
            graphqlErrors++;
            if (errorSamples.size < 5) errorSamples.add(errorMessages(body));
          }
          if (body.includes('"complete":false')) {
            incomplete++;
            if (incompleteSamples.size < 5) for (const reason of cellReasons(body)) incompleteSamples.add(reason);
          }
        },
      },
    ],
  });
  return {
    concurrency: connections,
    durationS: duration,
    requests: result.requests.total,
    requestsPerSecond: { mean: result.requests.average, p50: result.requests.p50, min: result.requests.min },
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
    errorSamples: [...errorSamples],
    incomplete,
    incompleteSamples: [...incompleteSamples].slice(0, 5),
  };
}

// What the cells that did not answer in full said (the page's `cells`, where the dashboard selects them).
function cellReasons(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as {
      data?: { instances?: { cells?: { status?: string; message?: string | null }[] } };
    };
    return (parsed.data?.instances?.cells ?? [])
      .filter((c) => c.status !== 'OK')
      .map((c) => `${c.status}: ${c.message ?? ''}`);
  } catch {
    return ['answer not JSON'];
  }
}

function errorMessages(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    return (parsed.errors ?? []).map((e) => `${e.extensions?.code ?? 'NO_CODE'}: ${e.message}`).join('; ');
  } catch {
    return body.slice(0, 200);
  }
}
