import autocannon from 'autocannon';
import { LIST_DASHBOARD } from '../queries';
import type { ScenarioContext } from './context';

export interface ThroughputReport {
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
}

/**
 * throughput: list-50-dashboard from `--concurrency` connections for `--duration`
 * seconds (autocannon, loopback, bounded by the duration). Answers with GraphQL errors
 * or complete:false are counted by looking at each body.
 */
export async function throughput(ctx: ScenarioContext, url = ctx.fleet.gateway.url): Promise<ThroughputReport> {
  const { fleet, options } = ctx;
  let graphqlErrors = 0;
  let incomplete = 0;
  const errorSamples = new Set<string>();
  const result = await autocannon({
    url,
    connections: options.concurrency,
    duration: options.duration,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fleet.adminToken}` },
    body: JSON.stringify({ query: LIST_DASHBOARD, variables: { first: 50 } }),
    requests: [
      {
        onResponse: (_status: number, body: string) => {
          // String checks: parsing every body would load the process that also runs the servers.
          if (body.includes('"errors"')) {
            graphqlErrors++;
            if (errorSamples.size < 5) errorSamples.add(errorMessages(body));
          }
          if (body.includes('"complete":false')) incomplete++;
        },
      },
    ],
  });
  return {
    concurrency: options.concurrency,
    durationS: options.duration,
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
  };
}

function errorMessages(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    return (parsed.errors ?? []).map((e) => `${e.extensions?.code ?? 'NO_CODE'}: ${e.message}`).join('; ');
  } catch {
    return body.slice(0, 200);
  }
}
