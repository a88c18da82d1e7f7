import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { connect } from 'amqplib';
import { startComputeAgent, type RunningComputeAgent } from '../../../compute/agent';
import { applyMessage } from '../../../compute/applyMessage';
import { computeQueue, type ComputeMessage } from '../../../domain/computeMessages';
import { createCellClient, type CellClient } from '../../../prisma/clients';
import { recordOutbox, relayOutbox, withdrawAction, type OutboxEntry } from '../../../subgraphs/cell/computeOutbox';
import { createCellQueue } from '../../../subgraphs/cell/queue';
import { silentLogger } from '../../../infrastructure/logger';
import { withoutNotifications } from './support/notifications';
import { createTestVhost, type TestVhost } from '../../helpers/rabbit';
import { startAmqpProxy, type AmqpProxy } from './support/amqpProxy';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { gql, TEST_SECRET, user } from './support/graphqlClient';
import { seedInstance } from './support/seed';
import { waitFor } from './support/waitFor';

const STOP = `mutation($u: ID!) { stopInstance(uuid: $u) { requestId instance { taskState } } }`;
const LONG_AGO = new Date('2020-01-01T00:00:00Z');

describe('instance actions under broker faults leave nothing half-written', () => {
  let vhost: TestVhost;
  let proxy: AmqpProxy;
  let cell: CellFixture;
  let agent: RunningComputeAgent;
  const settled: { requestId: string | null; kind: string }[] = [];
  const owner = user('p1');

  beforeAll(async () => {
    vhost = await createTestVhost('orphans');
    proxy = await startAmqpProxy();
    // The subgraph's own relay stays out of the way: the tests run relay passes themselves.
    cell = await startCellFixture('orphans', {
      transportUrl: proxy.url(vhost.name),
      publishTimeoutMs: 1500,
      outboxRelayMs: 3600000,
    });
    agent = await startComputeAgent({
      databaseUrl: cell.database.url,
      transportUrl: vhost.url,
      hosts: ['compute1'],
      delayMs: 10,
      onSettled: (outcome, requestId) => void settled.push({ requestId, kind: outcome.kind }),
    });
    // Opens the publisher's link, so the faults below hit a link that is up.
    const warm = await seedInstance(cell.db, { projectId: 'p1' });
    expect((await gql<any>(cell.subgraph.url, STOP, { u: warm.uuid }, owner)).errors).toBeUndefined();
  });
  afterAll(async () => {
    proxy?.release();
    await agent?.close();
    await cell?.close();
    await proxy?.close();
    await vhost?.drop();
  });

  const stop = (uuid: string) => gql<any>(cell.subgraph.url, STOP, { u: uuid }, owner);
  const settledAs = (requestId: string, kind: string) =>
    settled.some((s) => s.requestId === requestId && s.kind === kind);

  /** Withdrawn: the task state as it was, updated_at moved forward (never back), no action, no outbox row. */
  async function expectWithdrawn(db: CellClient, uuid: string, updatedBefore: Date) {
    const row = await db.instance.findUniqueOrThrow({ where: { uuid } });
    expect(row).toMatchObject({ vmState: 'active', taskState: null });
    expect(row.updatedAt!.getTime()).toBeGreaterThan(updatedBefore.getTime());
    expect(await db.instanceAction.count({ where: { instanceUuid: uuid } })).toBe(0);
    expect(await db.computeOutbox.count({ where: { instanceUuid: uuid } })).toBe(0);
  }

  it('refuses an action for a host whose queue was deleted with HOST_UNAVAILABLE, nothing half-written', async () => {
    const broker = await connect(vhost.url);
    const channel = await broker.createChannel();
    await channel.assertQueue(computeQueue('ghost'), { durable: true });
    await channel.deleteQueue(computeQueue('ghost'));
    await broker.close();
    const row = await seedInstance(cell.db, { projectId: 'p1', host: 'ghost', updatedAt: LONG_AGO });
    const answer = await stop(row.uuid);
    expect(answer.errors?.[0]).toMatchObject({
      message: 'compute host ghost is not consuming',
      extensions: { code: 'HOST_UNAVAILABLE', reason: 'HOST_NOT_CONSUMING', host: 'ghost' },
    });
    await expectWithdrawn(cell.db, row.uuid, LONG_AGO);
    // The link is sound after a return: the next action goes through on it.
    const other = await seedInstance(cell.db, { projectId: 'p1' });
    const next = await stop(other.uuid);
    expect(next.errors).toBeUndefined();
    await waitFor('the next action to apply', async () => settledAs(next.data.stopInstance.requestId, 'applied'));
  });

  it('keeps an action whose confirm was lost but whose message the agent already has', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', updatedAt: LONG_AGO });
    proxy.hold('toClient');
    let answer;
    try {
      answer = await stop(row.uuid);
    } finally {
      proxy.release();
    }
    expect(answer.errors).toBeUndefined();
    expect(answer.data.stopInstance.instance.taskState).toBe('powering-off');
    const requestId = answer.data.stopInstance.requestId;
    await waitFor('the agent to apply it', async () => settledAs(requestId, 'applied'));
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
    });
    const action = await cell.db.instanceAction.findUniqueOrThrow({
      where: { instanceUuid_requestId: { instanceUuid: row.uuid, requestId } },
      include: { events: true },
    });
    expect(action.events).toEqual([expect.objectContaining({ result: 'Success' })]);
    expect(await cell.db.computeOutbox.count({ where: { instanceUuid: row.uuid } })).toBe(0);
  });

  it('withdraws an action whose message never reached the broker, and the late message is an orphan the agent ignores', async () => {
    // A live link first (the previous fault closed it): with none, nothing would be written at all.
    const warm = await seedInstance(cell.db, { projectId: 'p1' });
    expect((await stop(warm.uuid)).errors).toBeUndefined();
    const row = await seedInstance(cell.db, { projectId: 'p1', updatedAt: LONG_AGO });
    const orphans = settled.filter((s) => s.kind === 'orphan').length;
    proxy.hold('toBroker');
    let answer;
    try {
      answer = await stop(row.uuid);
    } finally {
      proxy.release();
    }
    expect(answer.errors?.[0]).toMatchObject({
      message: "the cell's message broker did not confirm in time",
      extensions: { code: 'BROKER_UNAVAILABLE', reason: 'BROKER_TIMEOUT' },
    });
    await expectWithdrawn(cell.db, row.uuid, LONG_AGO);
    // Released, the held publish reaches the broker after all: the agent finds no action for it.
    await waitFor(
      'the late message to be settled as an orphan',
      async () => settled.filter((s) => s.kind === 'orphan').length === orphans + 1,
    );
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'active',
      taskState: null,
    });
  });

  /** What runAction commits before it publishes: the task state, the action, the outbox row. */
  async function pendingAction(host = 'compute1', overrides: { claimedUntil?: Date } = {}): Promise<OutboxEntry> {
    const instance = await seedInstance(cell.db, { projectId: 'p1', host, updatedAt: LONG_AGO });
    const requestId = `req-${randomUUID()}`;
    const writtenAt = new Date();
    const message: ComputeMessage = {
      method: 'stop_instance',
      instanceUuid: instance.uuid,
      requestId,
      host,
      sentAt: writtenAt.toISOString(),
    };
    return cell.db.$transaction(async (tx) => {
      await tx.instance.update({
        where: { uuid: instance.uuid },
        data: { taskState: 'powering-off', updatedAt: writtenAt },
      });
      const action = await tx.instanceAction.create({
        data: { action: 'stop', instanceUuid: instance.uuid, requestId, startTime: writtenAt },
      });
      const entry: OutboxEntry = {
        requestId,
        instanceUuid: instance.uuid,
        actionId: action.id,
        message,
        taskState: 'powering-off',
        previousTaskState: null,
        writtenAt,
        claim: randomUUID(),
      };
      await recordOutbox(tx, entry, 20000);
      if (overrides.claimedUntil)
        await tx.computeOutbox.update({ where: { requestId }, data: { claimedUntil: overrides.claimedUntil } });
      return entry;
    });
  }

  describe('a withdrawal', () => {
    it('leaves an action the agent already started alone (its event is there)', async () => {
      const entry = await pendingAction();
      await cell.db.instanceActionEvent.create({
        data: { actionId: entry.actionId, event: 'compute_stop_instance', startTime: new Date(), host: 'compute1' },
      });
      expect(await withdrawAction(withoutNotifications(cell.db), entry)).toBe('delivered');
      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: entry.instanceUuid } })).toMatchObject({
        taskState: 'powering-off',
        updatedAt: entry.writtenAt,
      });
      expect(await cell.db.instanceAction.count({ where: { id: entry.actionId } })).toBe(1);
      expect(await cell.db.computeOutbox.count({ where: { requestId: entry.requestId } })).toBe(0);
    });

    it('does not clobber what someone else wrote since (a delete took the instance over)', async () => {
      const entry = await pendingAction();
      const theirs = new Date(entry.writtenAt.getTime() + 5);
      await cell.db.instance.update({
        where: { uuid: entry.instanceUuid },
        data: { taskState: 'deleting', updatedAt: theirs },
      });
      expect(await withdrawAction(withoutNotifications(cell.db), entry)).toBe('withdrawn');
      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: entry.instanceUuid } })).toMatchObject({
        taskState: 'deleting',
        updatedAt: theirs,
      });
      expect(await cell.db.instanceAction.count({ where: { id: entry.actionId } })).toBe(0);
    });

    it('touches nothing once the relay has taken the row over', async () => {
      const entry = await pendingAction();
      await cell.db.computeOutbox.update({ where: { requestId: entry.requestId }, data: { claim: randomUUID() } });
      expect(await withdrawAction(withoutNotifications(cell.db), entry)).toBe('taken');
      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: entry.instanceUuid } })).toMatchObject({
        taskState: 'powering-off',
      });
      expect(await cell.db.instanceAction.count({ where: { id: entry.actionId } })).toBe(1);
    });

    it('racing the agent: the agent waits on the locked action, then finds it gone and applies nothing', async () => {
      const entry = await pendingAction();
      const agentDb = createCellClient(cell.database.url, { max: 1 });
      try {
        let applying: ReturnType<typeof applyMessage> | null = null;
        await cell.db.$transaction(
          async (tx) => {
            await tx.$queryRaw`SELECT id FROM instance_actions WHERE id = ${entry.actionId} FOR UPDATE`;
            applying = applyMessage(agentDb, entry.message, { delayMs: 0 });
            await waitFor('the agent to wait on the lock', async () => {
              const rows = await cell.db.$queryRaw<
                { n: number }[]
              >`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
              return rows[0].n > 0;
            });
            await tx.instanceAction.delete({ where: { id: entry.actionId } });
          },
          { timeout: 20000 },
        );
        expect(await applying!).toMatchObject({ kind: 'orphan' });
      } finally {
        await agentDb.$disconnect();
      }
      expect(await cell.db.instanceActionEvent.count({ where: { actionId: entry.actionId } })).toBe(0);
      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: entry.instanceUuid } })).toMatchObject({
        vmState: 'active',
      });
    });
  });

  describe('the outbox relay', () => {
    const runtime = () => ({
      queue: createCellQueue(vhost.url, { logger: silentLogger(), timeoutMs: 2000 }),
      logger: silentLogger(),
      ...withoutNotifications(cell.db),
    });

    it('withdraws an action whose host refuses it (no queue), as the request would have', async () => {
      const entry = await pendingAction('ghost', { claimedUntil: new Date(Date.now() - 1000) });
      const relay = runtime();
      try {
        expect(await relayOutbox(relay, { leaseMs: 20000 })).toMatchObject({ withdrawn: 1, published: 0 });
      } finally {
        await relay.queue.close();
      }
      await expectWithdrawn(cell.db, entry.instanceUuid, LONG_AGO);
    });

    it('keeps rows while the broker is unreachable, and leaves rows whose lease still runs alone', async () => {
      const stale = await pendingAction('compute1', { claimedUntil: new Date(Date.now() - 1000) });
      const fresh = await pendingAction('compute1');
      const down = {
        queue: createCellQueue('amqp://guest:guest@127.0.0.1:1/', { logger: silentLogger(), timeoutMs: 500 }),
        logger: silentLogger(),
        ...withoutNotifications(cell.db),
      };
      try {
        expect(await relayOutbox(down, { leaseMs: 20000 })).toEqual({ published: 0, withdrawn: 0, kept: 1 });
      } finally {
        await down.queue.close();
      }
      expect(
        await cell.db.computeOutbox.count({ where: { requestId: { in: [stale.requestId, fresh.requestId] } } }),
      ).toBe(2);
      // Once the broker is reachable the stale one goes out; the fresh one is still its writer's.
      const relay = runtime();
      try {
        expect(await relayOutbox(relay, { leaseMs: 20000 })).toMatchObject({ published: 1 });
      } finally {
        await relay.queue.close();
      }
      await waitFor('the agent to apply the relayed action', async () => settledAs(stale.requestId, 'applied'));
      expect(
        await cell.db.computeOutbox.findMany({
          where: { requestId: { in: [stale.requestId, fresh.requestId] } },
          select: { requestId: true },
        }),
      ).toEqual([{ requestId: fresh.requestId }]);
      await cell.db.computeOutbox.delete({ where: { requestId: fresh.requestId } });
    });
  });

  describe('a cell subgraph killed between the commit and the confirm', () => {
    let child: ChildProcess | null = null;
    let crashProxy: AmqpProxy;

    beforeAll(async () => {
      crashProxy = await startAmqpProxy();
    });
    afterAll(async () => {
      child?.kill('SIGKILL');
      crashProxy.release();
      await crashProxy.close();
    });

    async function startChild(): Promise<string> {
      const options = {
        cellUuid: cell.cellUuid,
        cellName: 'orphans-child',
        databaseUrl: cell.database.url,
        transportUrl: crashProxy.url(vhost.name),
        port: 0,
        internalSecret: TEST_SECRET,
        publishTimeoutMs: 60000,
        outboxRelayMs: 3600000,
      };
      const script = path.join(__dirname, 'support', 'cellProcess.ts');
      // node itself runs the subgraph (tsx as a loader), so SIGKILL reaches the process that serves.
      child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
        cwd: path.join(__dirname, '../../..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      return new Promise((resolve, reject) => {
        let out = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const ready = /READY (\S+)/.exec(out);
          if (ready) resolve(ready[1]);
        });
        child!.on('exit', (code) => reject(new Error(`the cell process exited (${code}) before it was ready`)));
      });
    }

    it('leaves the action with its message in the outbox, and the relay delivers it to the agent', async () => {
      const url = await startChild();
      const warm = await seedInstance(cell.db, { projectId: 'p1' });
      expect((await gql<any>(url, STOP, { u: warm.uuid }, owner)).errors).toBeUndefined();

      const row = await seedInstance(cell.db, { projectId: 'p1' });
      crashProxy.hold('toBroker');
      const inFlight = gql<any>(url, STOP, { u: row.uuid }, owner).catch(() => null);
      const pending = await waitFor('the action to be committed', async () =>
        cell.db.computeOutbox.findFirst({ where: { instanceUuid: row.uuid } }),
      );
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGKILL');
      await exited;
      child = null;
      await inFlight;

      // What the dead process left: the task state, the action, and its message, not yet sent.
      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
        taskState: 'powering-off',
      });
      expect(
        await cell.db.instanceAction.count({ where: { instanceUuid: row.uuid, requestId: pending.requestId } }),
      ).toBe(1);
      expect(settled.some((s) => s.requestId === pending.requestId)).toBe(false);

      // The writer's lease runs out; any subgraph of the cell then relays the message.
      await cell.db.computeOutbox.update({
        where: { id: pending.id },
        data: { claimedUntil: new Date(Date.now() - 1000) },
      });
      const relay = {
        queue: createCellQueue(vhost.url, { logger: silentLogger(), timeoutMs: 2000 }),
        logger: silentLogger(),
        ...withoutNotifications(cell.db),
      };
      try {
        expect(await relayOutbox(relay, { leaseMs: 20000 })).toMatchObject({ published: 1 });
        expect(await relayOutbox(relay, { leaseMs: 20000 })).toEqual({ published: 0, withdrawn: 0, kept: 0 });
      } finally {
        await relay.queue.close();
      }
      await waitFor('the agent to apply the relayed action', async () => settledAs(pending.requestId, 'applied'));
      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
        vmState: 'stopped',
        taskState: null,
      });
      expect(await cell.db.computeOutbox.count({ where: { instanceUuid: row.uuid } })).toBe(0);
    });
  });
});
