import { Subscriber, tooSlowMessage, type InstanceEventView } from '../../../../gateway/events/subscriber';

const event = (n: number): InstanceEventView => ({
  kind: 'INSTANCE',
  eventType: 'instance.update',
  cellUuid: 'c',
  cellName: 'cell1',
  instanceUuid: `i${n}`,
  projectId: 'demo',
  userId: null,
  status: 'ACTIVE',
  vmState: 'active',
  taskState: null,
  powerState: 1,
  host: null,
  action: null,
  requestId: null,
  message: null,
  occurredAt: new Date(0).toISOString(),
});

function subscriber(limit: number, farewell: Error | null = null) {
  const seen = { tooSlow: [] as string[], ended: 0 };
  const s = new Subscriber({
    bufferLimit: limit,
    onTooSlow: (message) => {
      seen.tooSlow.push(message);
      return farewell ? { instanceEvents: farewell } : null;
    },
    onEnd: () => seen.ended++,
  });
  return { s, seen };
}

describe('a subscriber buffer', () => {
  it('hands events over in order, at once to a waiting reader', async () => {
    const { s } = subscriber(3);
    const waiting = s.next();
    s.offer(event(1));
    s.offer(event(2));
    expect((await waiting).value).toEqual({ instanceEvents: event(1) });
    expect((await s.next()).value).toEqual({ instanceEvents: event(2) });
  });

  it('drops a subscriber whose buffer would pass the limit, with the fixed message, and keeps nothing more', async () => {
    const { s, seen } = subscriber(2);
    s.offer(event(1));
    s.offer(event(2));
    expect(s.buffered).toBe(2);
    s.offer(event(3));
    expect(seen.tooSlow).toEqual([tooSlowMessage(2)]);
    expect(tooSlowMessage(2)).toBe('subscriber too slow: more than 2 events buffered');
    expect(s.closed).toBe(true);
    expect(s.buffered).toBe(0);
    s.offer(event(4));
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(seen.ended).toBe(1);
  });

  it("serves the transport's last word to a dropped subscriber before it is done (SSE)", async () => {
    const last = new Error('too slow');
    const { s } = subscriber(1, last);
    s.offer(event(1));
    s.offer(event(2));
    expect(await s.next()).toEqual({ done: false, value: { instanceEvents: last } });
    expect(await s.next()).toEqual({ done: true, value: undefined });
  });

  it('counts what the transport holds unwritten against the limit', () => {
    const { s, seen } = subscriber(3);
    s.holding(3);
    expect(s.buffered).toBe(3);
    s.holding(-1);
    s.offer(event(1));
    expect(seen.tooSlow).toEqual([]);
    s.holding(2);
    expect(seen.tooSlow).toEqual([tooSlowMessage(3)]);
  });

  it('ends once, whoever ends it', async () => {
    const { s, seen } = subscriber(3);
    const waiting = s.next();
    await s.return();
    s.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(seen.ended).toBe(1);
  });
});
