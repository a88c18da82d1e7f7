import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import { startComputeAgent } from '../../../compute/agent';
import { computeQueue, type ComputeMessage } from '../../../domain/computeMessages';
import { createCellClient, type CellClient } from '../../../prisma/clients';
import type { CellContext } from '../../../subgraphs/cell/context';
import { runAction } from '../../../subgraphs/cell/instanceActions';
import { createLoaders } from '../../../subgraphs/cell/loaders';
import { createCellQueue, type CellQueue } from '../../../subgraphs/cell/queue';
import { silentLogger } from '../../../infrastructure/logger';
import { withoutNotifications } from './support/notifications';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { createTestVhost, rabbitmqctl, type TestVhost } from '../../helpers/rabbit';
import { startAmqpProxy, type AmqpProxy } from './support/amqpProxy';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, user } from './support/graphqlClient';
import { seedInstance } from './support/seed';
import { buildInput, BUILD } from './support/build';
import { waitFor } from './support/waitFor';

const STOP = `mutation($u: ID!) { stopInstance(uuid: $u) { requestId instance { taskState } } }`;
// What a caller must never read in a broker error: driver text, addresses, URLs.
const LEAKS = /ECONNREFUSED|127\.0\.0\.1|5672|amqp|guest|Expected ConnectionOpenOk|CONNECTION_FORCED|vhost/i;

/** Nothing of the action is left: the task state as seeded, no action, no outbox row. */
async function expectNothingWritten(db: CellClient, uuid: string, updatedAt: Date | null | 'any' = null) {
  const row = await db.instance.findUniqueOrThrow({ where: { uuid } });
  expect(row).toMatchObject({ vmState: 'active', taskState: null });
  if (updatedAt !== 'any') expect(row.updatedAt).toEqual(updatedAt);
  expect(await db.instanceAction.count({ where: { instanceUuid: uuid } })).toBe(0);
  expect(await db.computeOutbox.count({ where: { instanceUuid: uuid } })).toBe(0);
}

describe('a cell whose broker is unreachable', () => {
  let cell: CellFixture;

  beforeAll(async () => {
    // Nothing listens on port 1: the connection is refused.
    cell = await startCellFixture('nobroker', {
      transportUrl: 'amqp://guest:guest@127.0.0.1:1/',
      publishTimeoutMs: 2000,
    });
  });
  afterAll(() => cell.close());

  it('fails an action with BROKER_UNAVAILABLE and a fixed message, writing nothing', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const answer = await gql<any>(cell.subgraph.url, STOP, { u: row.uuid }, user('p1'));
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'BROKER_UNAVAILABLE', reason: 'BROKER_UNREACHABLE' });
    expect(answer.errors?.[0].message).toBe("the cell's message broker is unreachable");
    expect(JSON.stringify(answer.errors)).not.toMatch(LEAKS);
    await expectNothingWritten(cell.db, row.uuid);
  });

  it('fails a build with BROKER_UNAVAILABLE and leaves no row of the instance behind', async () => {
    const uuid = randomUUID();
    const answer = await gql<any>(cell.subgraph.url, BUILD, { input: buildInput(uuid, { host: 'compute1' }) }, admin());
    expect(answer.errors?.[0].extensions?.code).toBe('BROKER_UNAVAILABLE');
    expect(JSON.stringify(answer.errors)).not.toMatch(LEAKS);
    const where = { instanceUuid: uuid };
    const counts = await Promise.all([
      cell.db.instance.count({ where: { uuid } }),
      cell.db.instanceInfoCache.count({ where }),
      cell.db.instanceExtra.count({ where }),
      cell.db.instanceMetadata.count({ where }),
      cell.db.instanceSystemMetadata.count({ where }),
      cell.db.instanceAction.count({ where }),
    ]);
    expect(counts).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('still answers reads', async () => {
    const answer = await gql<any>(cell.subgraph.url, `{ instances { complete } }`, {}, user('p1'));
    expect(answer.data.instances.complete).toBe(true);
  });
});

/** A cell on its own vhost, its publisher behind a proxy the test controls, and an agent for compute1. */
async function startProxiedCell(label: string) {
  const vhost = await createTestVhost(label);
  const proxy = await startAmqpProxy();
  const cell = await startCellFixture(label, { transportUrl: proxy.url(vhost.name), publishTimeoutMs: 2000 });
  const settled: string[] = [];
  const agent = await startComputeAgent({
    databaseUrl: cell.database.url,
    transportUrl: vhost.url,
    hosts: ['compute1'],
    delayMs: 10,
    reconnectDelayMs: 100,
    reconnectMaxDelayMs: 500,
    onSettled: (_outcome, requestId) => void (requestId && settled.push(requestId)),
  });
  return {
    vhost,
    proxy,
    cell,
    settled,
    agent,
    close: async () => {
      await agent.close();
      await cell.close();
      await proxy.close();
      await vhost.drop().catch(() => undefined);
    },
  };
}

describe('a broker that refuses connections, then listens again', () => {
  let world: Awaited<ReturnType<typeof startProxiedCell>>;

  beforeAll(async () => {
    world = await startProxiedCell('refused');
  });
  afterAll(() => world.close());

  it('fails the action at once with nothing written, and takes the next one once the broker is back, without a restart', async () => {
    const { cell, proxy } = world;
    await proxy.stop();
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const refused = await gql<any>(cell.subgraph.url, STOP, { u: row.uuid }, user('p1'));
    expect(refused.errors?.[0]).toMatchObject({
      message: "the cell's message broker is unreachable",
      extensions: { code: 'BROKER_UNAVAILABLE' },
    });
    expect(JSON.stringify(refused.errors)).not.toMatch(LEAKS);
    await expectNothingWritten(cell.db, row.uuid);

    await proxy.start();
    const answer = await gql<any>(cell.subgraph.url, STOP, { u: row.uuid }, user('p1'));
    expect(answer.errors).toBeUndefined();
    await waitFor('the agent to apply it', async () => world.settled.includes(answer.data.stopInstance.requestId));
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
    });
  });
});

describe('a cell whose vhost is deleted and created again', () => {
  let world: Awaited<ReturnType<typeof startProxiedCell>>;

  beforeAll(async () => {
    world = await startProxiedCell('vhostgone');
  });
  afterAll(() => world.close());

  async function consumers(): Promise<number> {
    const out = await rabbitmqctl('list_queues', '-p', world.vhost.name, 'name', 'consumers').catch(() => '');
    const line = out.split('\n').find((l) => l.startsWith(`${computeQueue('compute1')}\t`));
    return line ? Number(line.split('\t')[1]) : 0;
  }

  it('fails actions with BROKER_UNAVAILABLE while it is gone and works again once it is back, without a restart', async () => {
    const { cell, vhost } = world;
    const warm = await seedInstance(cell.db, { projectId: 'p1' });
    const first = await gql<any>(cell.subgraph.url, STOP, { u: warm.uuid }, user('p1'));
    expect(first.errors).toBeUndefined();

    await rabbitmqctl('delete_vhost', vhost.name);
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const gone = await gql<any>(cell.subgraph.url, STOP, { u: row.uuid }, user('p1'));
    expect(gone.errors?.[0].extensions?.code).toBe('BROKER_UNAVAILABLE');
    expect(JSON.stringify(gone.errors)).not.toMatch(LEAKS);
    // The link may still have looked alive: then the action was written and withdrawn.
    await expectNothingWritten(cell.db, row.uuid, 'any');

    await rabbitmqctl('add_vhost', vhost.name);
    await rabbitmqctl('set_permissions', '-p', vhost.name, 'guest', '.*', '.*', '.*');
    await waitFor('the agent to consume on the new vhost', async () => (await consumers()) === 1);
    const answer = await gql<any>(cell.subgraph.url, STOP, { u: row.uuid }, user('p1'));
    expect(answer.errors).toBeUndefined();
    await waitFor('the agent to apply it', async () => world.settled.includes(answer.data.stopInstance.requestId));
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
    });
  });
});

describe('a broker that blocks publishing (resource alarm)', () => {
  // A real alarm is broker-wide; the connection's `blocked` event is what the publisher
  // sees of one, so the tests raise that event on the publisher's real connection.
  let vhost: TestVhost;
  let proxy: AmqpProxy;
  let database: TestDatabase;
  let db: CellClient;
  let queue: CellQueue;
  let link: ChannelModel | null = null;
  let inspector: ChannelModel;

  beforeAll(async () => {
    vhost = await createTestVhost('blocked');
    proxy = await startAmqpProxy();
    database = await createTestDatabase('cell', 'blocked');
    db = createCellClient(database.url);
    inspector = await connect(vhost.url);
    const channel = await inspector.createChannel();
    await channel.assertQueue(computeQueue('compute1'), { durable: true });
    await channel.close();
    queue = createCellQueue(proxy.url(vhost.name), {
      logger: silentLogger(),
      timeoutMs: 3000,
      connect: async (url, options) => (link = await connect(url, options)),
    });
  });
  afterAll(async () => {
    await queue.close();
    await inspector.close().catch(() => undefined);
    await db.$disconnect();
    await database.drop();
    await proxy.close();
    await vhost.drop();
  });

  const message = (): ComputeMessage => ({
    method: 'stop_instance',
    instanceUuid: randomUUID(),
    requestId: `req-${randomUUID()}`,
    host: 'compute1',
    sentAt: new Date().toISOString(),
  });

  async function depth(): Promise<number> {
    const channel = await inspector.createChannel();
    try {
      return (await channel.checkQueue(computeQueue('compute1'))).messageCount;
    } finally {
      await channel.close();
    }
  }

  function context(): CellContext {
    const cell = { cellName: 'blocked', queue, logger: silentLogger(), ...withoutNotifications(db) };
    return { identity: admin(), requestId: 'test-request', cell, loaders: createLoaders(db) };
  }

  it('refuses at once while blocked, publishing nothing, and publishes again once unblocked', async () => {
    await queue.ready();
    const before = await depth();
    link!.emit('blocked', 'low on memory');
    await expect(queue.ready()).rejects.toMatchObject({
      reason: 'BROKER_BLOCKED',
      extensions: { code: 'BROKER_UNAVAILABLE' },
    });
    await expect(queue.publish(message())).rejects.toMatchObject({
      reason: 'BROKER_BLOCKED',
      message: "the cell's message broker is blocking publishes (resource alarm)",
    });
    expect(await depth()).toBe(before);
    link!.emit('unblocked');
    await queue.publish(message());
    expect(await depth()).toBe(before + 1);
  });

  it('fails a publish in flight when the connection is blocked, before its confirm times out', async () => {
    await queue.ready();
    proxy.hold('toClient');
    try {
      const inFlight = queue.publish(message());
      const failure = expect(inFlight).rejects.toMatchObject({ reason: 'BROKER_BLOCKED' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      link!.emit('blocked', 'low on disk');
      await failure;
    } finally {
      proxy.release();
      link!.emit('unblocked');
    }
  });

  it('refuses an instance action while blocked with nothing written, and runs it once unblocked', async () => {
    await queue.ready();
    const row = await seedInstance(db, { projectId: 'p1' });
    link!.emit('blocked', 'low on memory');
    await expect(runAction(context(), row.uuid, 'stop')).rejects.toMatchObject({
      reason: 'BROKER_BLOCKED',
      extensions: { code: 'BROKER_UNAVAILABLE' },
    });
    await expectNothingWritten(db, row.uuid);
    link!.emit('unblocked');
    const done = await runAction(context(), row.uuid, 'stop');
    expect(done.instance.taskState).toBe('powering-off');
    expect(await db.instanceAction.count({ where: { instanceUuid: row.uuid } })).toBe(1);
    expect(await db.computeOutbox.count({ where: { instanceUuid: row.uuid } })).toBe(0);
  });
});

describe('a cell without a queue (cell0)', () => {
  let cell: CellFixture;

  beforeAll(async () => {
    cell = await startCellFixture('cell0', { transportUrl: 'none:///' });
  });
  afterAll(() => cell.close());

  it('buries a failed build in ERROR with its fault, publishing nothing', async () => {
    const uuid = randomUUID();
    const input = buildInput(uuid, {
      fault: { code: 500, message: 'No valid host was found. ', details: 'NoValidHost' },
    });
    const answer = await gql<any>(cell.subgraph.url, BUILD, { input }, admin());
    expect(answer.errors).toBeUndefined();
    expect(answer.data.buildInstance).toMatchObject({
      uuid,
      status: 'ERROR',
      host: null,
      fault: { code: 500, message: 'No valid host was found. ' },
    });
  });

  it('refuses an action that needs a compute host with INVALID_STATE', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', host: null });
    const answer = await gql<any>(
      cell.subgraph.url,
      `mutation($u: ID!) { rebootInstance(uuid: $u) { requestId } }`,
      { u: row.uuid },
      user('p1'),
    );
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE', attr: 'host' });
  });
});
