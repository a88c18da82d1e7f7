import type { RunningGateway } from '../../gateway/server';
import { bearer, post, type TimedAnswer } from '../client';
import { perRequest, snapshot, type WorkPerRequest } from '../counters';
import type { Fleet } from '../fleet';
import { measure, type Measured } from '../measure';
import type { BenchOptions } from '../options';
import type { TimingSummary } from '../stats';

/** What every scenario gets. */
export interface ScenarioContext {
  fleet: Fleet;
  options: BenchOptions;
  log: (message: string) => void;
}

/** A latency scenario's report: timings, the work one request caused, the answer's size. */
export interface LatencyReport {
  timing: TimingSummary;
  perRequest: WorkPerRequest;
  responseBytes: number;
}

/**
 * Warm-up and timed runs of `send` against `gateway`, with the counters read around
 * the timed runs only; `check` throws when an answer is not what the scenario expects.
 */
export async function timedThroughGateway(
  ctx: ScenarioContext,
  gateway: RunningGateway,
  send: (i: number) => Promise<TimedAnswer>,
  check: (answer: TimedAnswer) => void,
  before?: (i: number) => void | Promise<void>,
): Promise<{ report: LatencyReport; measured: Measured<TimedAnswer> }> {
  let start = await snapshot(ctx.fleet, gateway);
  const measured = await measure(
    async (i) => {
      const answer = await send(i);
      check(answer);
      return answer;
    },
    {
      warmup: ctx.options.warmup,
      runs: ctx.options.runs,
      before,
      msOf: (a) => a.ms,
      timedStart: async () => void (start = await snapshot(ctx.fleet, gateway)),
    },
  );
  const end = await snapshot(ctx.fleet, gateway);
  return {
    report: {
      timing: measured.timing,
      perRequest: perRequest(start, end, ctx.options.runs),
      responseBytes: measured.last.bytes,
    },
    measured,
  };
}

/** Sends `query` to `gateway` as the fleet's admin. */
export function viaGateway(
  ctx: ScenarioContext,
  gateway: RunningGateway,
  query: string,
  variables: Record<string, unknown>,
): Promise<TimedAnswer> {
  return post(gateway.url, bearer(ctx.fleet.adminToken), query, variables);
}
