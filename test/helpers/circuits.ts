import type { RunningGateway } from '../../gateway/server';

/**
 * Waits until the circuit of `cellUuid` at `gateway` lets the next request through as
 * its probe: at once when the circuit is closed, else until its next probe is due.
 */
export async function untilProbeDue(gateway: RunningGateway, cellUuid: string): Promise<void> {
  const entry = await gateway.directory.get(cellUuid);
  const next = entry?.breaker.snapshot().nextProbeAt;
  // A few ms past the instant: a timer may fire a millisecond early.
  if (next) await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(next) - Date.now()) + 5));
}
