import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import pino from 'pino';
import { startComputeAgent, type RunningComputeAgent } from '../../../compute/agent';
import { applyMessage } from '../../../compute/applyMessage';
import { computeQueue, parseComputeMessage, type ComputeMessage } from '../../../domain/computeMessages';
import { createCellClient, type CellClient } from '../../../prisma/clients';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { createTestVhost, rabbitmqctl, type TestVhost } from '../../helpers/rabbit';
import { seedInstance } from '../cell/support/seed';
import { waitFor } from '../cell/support/waitFor';

describe('the compute agent', () => {
  let database: TestDatabase;
  let vhost: TestVhost;
  let db: CellClient;
  let agent: RunningComputeAgent;
  let publisher: ChannelModel;
  const settled: { requestId: string | null; kind: string }[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('cell', 'agent');
    vhost = await createTestVhost('agent');
    db = createCellClient(database.url);
    agent = await startComputeAgent({
      databaseUrl: database.url,
      transportUrl: vhost.url,
      hosts: ['compute1', 'compute2'],
      delayMs: 10,
      retryDelayMs: 50,
      onSettled: (outcome, requestId) => void settled.push({ requestId, kind: outcome.kind }),
      onFailed: (requestId) => void failures.push(requestId),
    });
    publisher = await connect(vhost.url);
  });
  afterAll(async () => {
    await publisher.close().catch(() => undefined);
    await agent.close();
    await db.$disconnect();
    await database.drop();
    await vhost.drop();
  });

  async function send(
    message: (Partial<ComputeMessage> & { instanceUuid: string; requestId: string }) | string,
    host = 'compute1',
  ) {
    const channel = await publisher.createConfirmChannel();
    await channel.assertQueue(computeQueue(host), { durable: true });
    const body =
      typeof message === 'string'
        ? message
        : JSON.stringify({ method: 'stop_instance', host, sentAt: new Date().toISOString(), ...message });
    channel.sendToQueue(computeQueue(host), Buffer.from(body), { persistent: true });
    await channel.waitForConfirms();
    await channel.close();
  }

  async function pending(taskState: string, vmState = 'active') {
    const row = await seedInstance(db, { projectId: 'p1', taskState, vmState });
    const requestId = `req-${randomUUID()}`;
    const action = await db.instanceAction.create({
      data: { action: 'stop', instanceUuid: row.uuid, requestId, startTime: new Date() },
    });
    return { row, requestId, action };
  }

  const settledCount = (requestId: string) => settled.filter((s) => s.requestId === requestId).length;

  async function queueDepth(host: string): Promise<number> {
    const out = await rabbitmqctl('list_queues', '-p', vhost.name, 'name', 'messages', 'messages_unacknowledged');
    const line = out.split('\n').find((l) => l.startsWith(`${computeQueue(host)}\t`));
    return line
      ? line
          .split('\t')
          .slice(1)
          .reduce((sum, n) => sum + Number(n), 0)
      : 0;
  }

  it('registers a compute service and node for each of its hosts', async () => {
    const nodes = await db.computeNode.findMany({ orderBy: { host: 'asc' } });
    expect(nodes.map((n) => n.host)).toEqual(['compute1', 'compute2']);
    expect(await db.service.count({ where: { binary: 'nova-compute' } })).toBe(2);
  });

  it('reports its services as up', async () => {
    const services = await waitFor('the first report', async () => {
      const rows = await db.service.findMany({ where: { binary: 'nova-compute' } });
      return rows.every((row) => row.lastSeenUp !== null) && rows;
    });
    expect(services.map((s) => s.reportCount).every((count) => count >= 1)).toBe(true);
  });

  it('applies a redelivered message once: one finished event, the state changed once', async () => {
    const { row, requestId, action } = await pending('powering-off');
    await send({ instanceUuid: row.uuid, requestId });
    await send({ instanceUuid: row.uuid, requestId });
    await waitFor('both deliveries to settle', async () => settledCount(requestId) === 2);
    expect(settled.filter((s) => s.requestId === requestId).map((s) => s.kind)).toEqual(['applied', 'duplicate']);
    const events = await db.instanceActionEvent.findMany({ where: { actionId: action.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'compute_stop_instance', result: 'Success' });
    expect(await db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
      powerState: 4,
    });
    await waitFor('the queue to drain', async () => (await queueDepth('compute1')) === 0);
  });

  it('acknowledges without re-applying a message redelivered after an agent died between commit and ack', async () => {
    const { row, requestId, action } = await pending('powering-off');
    await send({ instanceUuid: row.uuid, requestId }, 'compute9');
    // A first "agent" takes the message, commits the work, and dies before acknowledging.
    const channel = await publisher.createChannel();
    const delivery = await waitFor('the message on compute.compute9', async () =>
      channel.get(computeQueue('compute9'), { noAck: false }),
    );
    const message = parseComputeMessage(delivery.content) as ComputeMessage;
    expect(await applyMessage(db, message, { delayMs: 0 })).toMatchObject({ kind: 'applied', result: 'Success' });
    await channel.close();
    // The broker hands the unacknowledged message to the next agent of that host.
    const second = await startComputeAgent({
      databaseUrl: database.url,
      transportUrl: vhost.url,
      hosts: ['compute9'],
      delayMs: 0,
      onSettled: (outcome, id) => void settled.push({ requestId: id, kind: outcome.kind }),
    });
    try {
      await waitFor('the redelivery to settle', async () => settledCount(requestId) === 1);
    } finally {
      await second.close();
    }
    expect(settled.find((s) => s.requestId === requestId)?.kind).toBe('duplicate');
    expect(await db.instanceActionEvent.count({ where: { actionId: action.id } })).toBe(1);
    expect(await queueDepth('compute9')).toBe(0);
  });

  it('records an Error event and leaves the instance alone when another task took it over', async () => {
    const { row, requestId, action } = await pending('deleting');
    await send({ instanceUuid: row.uuid, requestId });
    await waitFor('the delivery to settle', async () => settledCount(requestId) === 1);
    const event = await db.instanceActionEvent.findFirstOrThrow({ where: { actionId: action.id } });
    expect(event.result).toBe('Error');
    expect(event.traceback).toContain('expected task_state powering-off, found deleting');
    expect(await db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'active',
      taskState: 'deleting',
    });
  });

  it('acknowledges a message whose action was rolled back, changing nothing', async () => {
    const row = await seedInstance(db, { projectId: 'p1', taskState: null });
    const requestId = `req-${randomUUID()}`;
    await send({ instanceUuid: row.uuid, requestId });
    await waitFor('the delivery to settle', async () => settledCount(requestId) === 1);
    expect(settled.find((s) => s.requestId === requestId)?.kind).toBe('orphan');
    expect(await db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'active',
      taskState: null,
      updatedAt: null,
    });
  });

  it('rejects a message that is not a compute message without requeueing it', async () => {
    const before = settled.length;
    await send('this is not json', 'compute2');
    await waitFor('the rejection', async () => settled.length > before);
    expect(settled[settled.length - 1].kind).toBe('rejected');
    await waitFor('the queue to drain', async () => (await queueDepth('compute2')) === 0);
  });

  it('requeues a message whose database write failed and applies it once the database is back', async () => {
    const { row, requestId, action } = await pending('powering-off');
    // The events table disappears for a moment: every attempt to apply fails.
    await db.$executeRawUnsafe('ALTER TABLE instance_actions_events RENAME TO instance_actions_events_away');
    try {
      await send({ instanceUuid: row.uuid, requestId });
      await waitFor('a failed attempt', async () => failures.some((f) => f === requestId));
    } finally {
      await db.$executeRawUnsafe('ALTER TABLE instance_actions_events_away RENAME TO instance_actions_events');
    }
    await waitFor('the retried delivery to settle', async () => settledCount(requestId) === 1);
    expect(await db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
    });
    expect(await db.instanceActionEvent.count({ where: { actionId: action.id } })).toBe(1);
  });

  it('consumes again after the broker closed its connection', async () => {
    await rabbitmqctl('close_all_connections', '-p', vhost.name, 'test: broker restart');
    await waitFor('the publisher to notice', async () => {
      try {
        await publisher.createChannel().then((c) => c.close());
        return false;
      } catch {
        return true;
      }
    });
    publisher = await connect(vhost.url);
    const { row, requestId } = await pending('powering-off');
    await send({ instanceUuid: row.uuid, requestId });
    await waitFor('the delivery after the reconnect', async () => settledCount(requestId) === 1);
    expect(await db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({ vmState: 'stopped' });
  });
});

describe('the compute agent when the broker takes its queue or its channel away', () => {
  let database: TestDatabase;
  let vhost: TestVhost;
  let db: CellClient;
  let agent: RunningComputeAgent;
  let broker: ChannelModel;
  const logs: { msg: string; why?: string; err?: { code?: unknown } }[] = [];
  const settled: string[] = [];
  const HOST = 'compute7';

  beforeAll(async () => {
    database = await createTestDatabase('cell', 'agentrepair');
    vhost = await createTestVhost('agentrepair');
    db = createCellClient(database.url);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    agent = await startComputeAgent({
      databaseUrl: database.url,
      transportUrl: vhost.url,
      hosts: [HOST],
      delayMs: 10,
      logger,
      reconnectDelayMs: 200,
      reconnectMaxDelayMs: 1000,
      onSettled: (_outcome, requestId) => void (requestId && settled.push(requestId)),
    });
    broker = await connect(vhost.url);
  });
  afterAll(async () => {
    await broker.close().catch(() => undefined);
    await agent.close();
    await db.$disconnect();
    await database.drop();
    await vhost.drop();
  });

  async function consumers(): Promise<number> {
    const out = await rabbitmqctl('list_queues', '-p', vhost.name, 'name', 'consumers', 'durable');
    const line = out.split('\n').find((l) => l.startsWith(`${computeQueue(HOST)}\t`));
    return line && line.split('\t')[2] === 'true' ? Number(line.split('\t')[1]) : 0;
  }

  async function stopReachesTheAgent() {
    const row = await seedInstance(db, { projectId: 'p1', taskState: 'powering-off' });
    const requestId = `req-${randomUUID()}`;
    await db.instanceAction.create({
      data: { action: 'stop', instanceUuid: row.uuid, requestId, startTime: new Date() },
    });
    const channel = await broker.createConfirmChannel();
    channel.publish(
      '',
      computeQueue(HOST),
      Buffer.from(
        JSON.stringify({
          method: 'stop_instance',
          host: HOST,
          instanceUuid: row.uuid,
          requestId,
          sentAt: new Date().toISOString(),
        }),
      ),
      { mandatory: true, persistent: true },
    );
    await channel.waitForConfirms();
    await channel.close();
    await waitFor('the agent to apply the stop', async () => settled.includes(requestId));
    expect(await db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
    });
  }

  it('declares its queue again and consumes after the broker deleted it (a consumer cancel)', async () => {
    await waitFor('the agent to consume', async () => (await consumers()) === 1);
    const channel = await broker.createChannel();
    await channel.deleteQueue(computeQueue(HOST));
    await channel.close();
    await waitFor('the agent to consume again', async () => (await consumers()) === 1);
    expect(logs.some((l) => l.why === 'consumer cancelled by the broker')).toBe(true);
    await stopReachesTheAgent();
    expect(logs.some((l) => l.why === 'connection closed')).toBe(false);
  });

  it('opens a new channel when the broker closes its channel under a live connection, and consumes again', async () => {
    // The queue goes, and another connection holds its name exclusively: the agent's
    // re-declaration is refused (405 RESOURCE_LOCKED), which closes its channel only.
    const holder = await connect(vhost.url);
    try {
      const channel = await holder.createChannel();
      await channel.deleteQueue(computeQueue(HOST));
      await channel.assertQueue(computeQueue(HOST), { exclusive: true, durable: false });
      await waitFor('the agent to lose its channel', async () =>
        logs.some((l) => l.msg === 'compute agent channel error' && l.err?.code === 405),
      );
    } finally {
      await holder.close();
    }
    await waitFor('the agent to consume again', async () => (await consumers()) === 1);
    await stopReachesTheAgent();
    expect(logs.some((l) => l.why === 'connection closed')).toBe(false);
  });
});
