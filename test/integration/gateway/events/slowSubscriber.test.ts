import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import type WebSocket from 'ws';
import { NOTIFICATIONS_EXCHANGE, type InstanceEventMessage } from '../../../../domain/instanceEvents';
import { openLogs, rawSse, subscribeWs } from '../../../helpers/eventClients';
import type { TestCell, Topology } from '../../../helpers/topology';
import { startEventWorld, type EventWorld } from './eventWorld';

const BUFFER = 20;

/**
 * Publishes well-formed instance events straight to a cell's exchange, in confirmed batches,
 * until `enough()` (the gateway dropped the subscriber) or the bound is reached.
 */
async function flood(cell: TestCell, enough: () => boolean, bound = 300000, batch = 2000): Promise<number> {
  const model = await connect(cell.vhost!.url);
  try {
    const channel = await model.createConfirmChannel();
    let sent = 0;
    while (!enough() && sent < bound) {
      for (let i = 0; i < batch; i++, sent++) {
        const event: InstanceEventMessage = {
          version: 1,
          eventType: 'instance.update',
          cellUuid: cell.uuid,
          instanceUuid: randomUUID(),
          projectId: 'flood',
          userId: 'flood-user',
          status: 'ACTIVE',
          vmState: 'active',
          taskState: null,
          powerState: 1,
          host: 'flood-host',
          action: null,
          requestId: `req-${sent}`,
          occurredAt: new Date().toISOString(),
        };
        channel.publish(NOTIFICATIONS_EXCHANGE, event.eventType, Buffer.from(JSON.stringify(event)));
      }
      await channel.waitForConfirms();
    }
    return sent;
  } finally {
    await model.close();
  }
}

async function until(check: () => boolean, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Real topologies on a machine shared with other test runs: the defaults are too short under load.
jest.setTimeout(180000);

describe('a subscriber too slow for its events is told and dropped, never buffered without end', () => {
  let world: EventWorld;
  let topo: Topology;
  const logs = openLogs();

  beforeAll(async () => {
    world = await startEventWorld({ bufferLimit: BUFFER });
    topo = world.topo;
  }, 240000);
  afterEach(() => logs.closeAll());
  afterAll(() => world?.stop());

  it('closes a WebSocket that stopped reading with 4429 and the fixed message', async () => {
    let socket: WebSocket | null = null;
    const slow = await subscribeWs(
      topo.gateway.url,
      world.tokens.admin,
      { allProjects: true },
      {
        onSocket: (ws) => (socket = ws),
      },
    );
    logs.track(slow);
    await until(() => topo.gateway.events.hub.subscriptions === 1);
    // The client stops reading: the kernel's buffers fill, then the gateway's.
    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const sent = await flood(topo.cells[0], () => topo.gateway.events.hub.subscriptions === 0);
    expect(topo.gateway.events.hub.subscriptions).toBe(0);
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const ended = await slow.ended;
    expect(ended).toEqual({ code: 4429, reason: `subscriber too slow: more than ${BUFFER} events buffered` });
    // It got what was already on its way, never all of the flood.
    expect(slow.events.length).toBeLessThan(sent);
  });

  it('ends an SSE stream that stopped reading after an error event with the same message', async () => {
    const slow = rawSse(topo.gateway.url, world.tokens.admin, { allProjects: true });
    logs.track(slow);
    expect(await slow.status).toBe(200);
    await until(() => topo.gateway.events.hub.subscriptions === 1);
    slow.pause();
    const sent = await flood(topo.cells[1], () => topo.gateway.events.hub.subscriptions === 0);
    expect(topo.gateway.events.hub.subscriptions).toBe(0);
    slow.resume();
    await slow.ended;
    const [last, end] = slow.messages.slice(-2);
    expect(last).toEqual({
      event: 'next',
      data: {
        data: null,
        errors: [
          expect.objectContaining({
            message: `subscriber too slow: more than ${BUFFER} events buffered`,
            extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
          }),
        ],
      },
    });
    expect(end.event).toBe('complete');
    expect(slow.events.length).toBeLessThan(sent);
  });

  it('keeps serving a subscriber that keeps up, beside the flood', async () => {
    const fast = await subscribeWs(topo.gateway.url, world.tokens.admin, { allProjects: true });
    logs.track(fast);
    await until(() => topo.gateway.events.hub.subscriptions === 1);
    // A steady stream, in confirmed batches well below the buffer: the subscriber reads as they come.
    const sent = await flood(topo.cells[0], () => false, 400, 5);
    await until(() => fast.events.length >= sent);
    expect(fast.events.length).toBe(sent);
    expect(topo.gateway.events.hub.subscriptions).toBe(1);
  });
});
