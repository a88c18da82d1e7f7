import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openLogs, subscribeWs, type ReceivedEvent } from '../../../helpers/eventClients';
import { startEventWorld, type EventWorld } from './eventWorld';

/** The value below which `share` of the sorted samples fall (nearest rank). */
function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))];
}

/**
 * Event latency: from a change in a cell (its occurredAt, taken in the transaction just
 * before the commit) to the event at a WebSocket subscriber of the gateway, over a few
 * hundred events of real actions (the cell subgraph's and the compute agent's). The
 * numbers go to stdout and bench/results/event-latency.json; nothing is asserted about
 * time, only that every event came, in order per action.
 */
// Real topologies on a machine shared with other test runs: the defaults are too short under load.
jest.setTimeout(180000);

describe('event latency, state change in a cell to event at a subscriber', () => {
  let world: EventWorld;
  const logs = openLogs();

  beforeAll(async () => {
    world = await startEventWorld();
  }, 240000);
  afterAll(async () => {
    await logs.closeAll();
    await world?.stop();
  });

  it('delivers every event of 50 reboots and 50 locks and unlocks, in order', async () => {
    const { topo, demo, alt, tokens } = world;
    const events = logs.track(await subscribeWs(topo.gateway.url, tokens.admin, { allProjects: true }));
    const requests: { requestId: string; expected: string[] }[] = [];
    const instances = [...demo, ...alt];
    for (let i = 0; i < 50; i++) {
      const row = instances[i % instances.length];
      // As an admin: a lock never stands in the way of the next reboot.
      const token = tokens.admin;
      const reboot = await world.act('rebootInstance', row.uuid, token);
      requests.push({
        requestId: reboot.requestId,
        expected: ['instance.update', 'instance.reboot.start', 'instance.update', 'instance.reboot.end'],
      });
      await events.waitFor((e) => e.requestId === reboot.requestId && e.eventType === 'instance.reboot.end');
      const lock = await world.act(i % 2 === 0 ? 'lockInstance' : 'unlockInstance', row.uuid, token);
      const name = i % 2 === 0 ? 'lock' : 'unlock';
      requests.push({ requestId: lock.requestId, expected: [`instance.${name}.start`, `instance.${name}.end`] });
      await events.waitFor((e) => e.requestId === lock.requestId && e.eventType === `instance.${name}.end`);
    }
    // Delivery is at least once (a relay may publish again an event whose confirm came late):
    // a repeat is the same event again, and only its first arrival counts.
    const seen = new Set<string>();
    const first: ReceivedEvent[] = [];
    for (const event of events.events) {
      const key = `${event.requestId} ${event.eventType} ${event.occurredAt}`;
      if (!seen.has(key)) first.push(event);
      seen.add(key);
    }
    const byRequest = new Map<string, ReceivedEvent[]>();
    for (const event of first) {
      if (!event.requestId) continue;
      byRequest.set(event.requestId, [...(byRequest.get(event.requestId) ?? []), event]);
    }
    for (const { requestId, expected } of requests)
      expect((byRequest.get(requestId) ?? []).map((e) => e.eventType)).toEqual(expected);

    const latencies = first
      .filter((e) => e.kind === 'INSTANCE')
      .map((e) => e.receivedAt - Date.parse(e.occurredAt))
      .sort((a, b) => a - b);
    expect(latencies.length).toBe(requests.reduce((n, r) => n + r.expected.length, 0));
    const result = {
      measuredAt: new Date().toISOString(),
      events: latencies.length,
      repeats: events.events.length - first.length,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      maxMs: latencies[latencies.length - 1],
    };
    const dir = path.join(__dirname, '../../../../bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'event-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`event latency: ${JSON.stringify(result)}\n`);
  });
});
