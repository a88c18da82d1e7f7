import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Instance } from '../prisma/cell/generated/client';
import { createCellClient } from '../prisma/clients';
import { registerComputeNode } from '../cellsAdmin';
import { silentLogger, type Logger } from '../infrastructure/logger';
import { inConsumerSpan } from '../infrastructure/tracing';
import { applyMessage, type ApplyOutcome } from './applyMessage';
import { computeQueue, parseComputeMessage } from '../domain/computeMessages';
import { startHeartbeat } from './heartbeat';
import { SerialQueue } from './serialQueue';
import { NOTIFICATIONS_EXCHANGE } from '../domain/instanceEvents';
import { NotificationOutbox, notificationLeaseMs } from '../infrastructure/notifications/notificationOutbox';
import { createTopicPublisher } from '../infrastructure/notifications/topicPublisher';

export interface ComputeAgentOptions {
  /** The cell the hosts belong to; its notifications name it (without it the agent publishes none). */
  cellUuid?: string;
  databaseUrl: string;
  transportUrl: string;
  hosts: string[];
  logger?: Logger;
  /** The simulated hypervisor's time per action. Default 2000 ms. */
  delayMs?: number;
  /** Unacknowledged messages in flight per host. Default 8. */
  prefetch?: number;
  /** Capacity registered for each host's compute node. */
  node?: { vcpus: number; memoryMb: number; localGb: number };
  /** Called after an instance's soft delete is committed (the API's queued_for_delete hook). */
  onDeleted?: (instance: Instance) => void | Promise<void>;
  /** Called after every message is settled; tests wait on it. */
  onSettled?: (outcome: ApplyOutcome | { kind: 'rejected'; reason: string }, requestId: string | null) => void;
  /** How often the hosts' services report in (last_seen_up). Default 10000 ms; 0 = only at start. */
  heartbeatMs?: number;
  /** Called when applying a message failed and it goes back to the queue. */
  onFailed?: (requestId: string, err: unknown) => void;
  /** Delay before a message whose database write failed is requeued. Default 1000 ms. */
  retryDelayMs?: number;
  /** First delay before re-opening a lost connection, channel or consumer; it doubles up to the max. Default 500 ms. */
  reconnectDelayMs?: number;
  /** Longest delay between repair attempts. Default 15000 ms. */
  reconnectMaxDelayMs?: number;
  /** Publish instance notifications to the cell's `cells.notifications` exchange (CELLS_NOTIFICATIONS). Default true. */
  notifications?: boolean;
  /** Budget of one notification publish (connect + confirm). Default 5000 ms. */
  publishTimeoutMs?: number;
  /** How often the notification relay looks for events whose publish failed. Default half their lease. */
  notificationRelayMs?: number;
}

export interface RunningComputeAgent {
  hosts: string[];
  close(): Promise<void>;
}

/**
 * A compute agent for one or more hosts of one cell: registers each host's compute
 * node, consumes compute.<host> with manual acks, and acknowledges a message only
 * after its database transaction committed (at-least-once; applying is idempotent).
 * Repairs its broker link on its own, with backoff: a lost connection, a channel that
 * closed under a live connection, and a consumer the broker cancelled (its queue was
 * deleted: the agent declares it again).
 */
export async function startComputeAgent(options: ComputeAgentOptions): Promise<RunningComputeAgent> {
  if (options.hosts.length === 0) throw new Error('startComputeAgent: at least one host is needed');
  const logger = options.logger ?? silentLogger();
  const db = createCellClient(options.databaseUrl, { max: 4 });
  const node = options.node ?? { vcpus: 16, memoryMb: 32768, localGb: 500 };
  for (const host of options.hosts) await registerComputeNode(db, { host, ...node });
  const stopHeartbeat = startHeartbeat(db, options.hosts, options.heartbeatMs ?? 10000, logger);
  // The agent's own publishing connection, apart from the one it consumes on.
  const publishTimeoutMs = options.publishTimeoutMs ?? 5000;
  const notify = options.cellUuid !== undefined && (options.notifications ?? true);
  const outbox = new NotificationOutbox({
    db,
    publisher: notify
      ? createTopicPublisher({
          url: options.transportUrl,
          exchange: NOTIFICATIONS_EXCHANGE,
          timeoutMs: publishTimeoutMs,
          logger,
        })
      : null,
    logger,
    leaseMs: notificationLeaseMs(publishTimeoutMs),
  });
  outbox.startRelay(options.notificationRelayMs ?? notificationLeaseMs(publishTimeoutMs) / 2);
  const events = options.cellUuid !== undefined ? { outbox, cellUuid: options.cellUuid } : undefined;
  const perInstance = new SerialQueue();
  const backoff = new Backoff(options.reconnectDelayMs ?? 500, options.reconnectMaxDelayMs ?? 15000);
  // What is open now; repair() brings it back to one connection, one channel, a consumer per host.
  let model: ChannelModel | null = null;
  let channel: Channel | null = null;
  const consumers = new Map<string, string>();
  let closing = false;
  let repairTimer: NodeJS.Timeout | null = null;
  let repairing: Promise<void> | null = null;

  const handle = (on: Channel) => async (delivery: ConsumeMessage | null) => {
    if (!delivery) return; // a consumer cancel: see the 'cancel' listener in openChannel
    const message = parseComputeMessage(delivery.content);
    if (message instanceof Error) {
      logger.error({ err: message }, 'dropping a message that is not a compute message');
      settleQuietly(() => on.nack(delivery, false, false));
      options.onSettled?.({ kind: 'rejected', reason: message.message }, null);
      return;
    }
    try {
      // One CONSUMER span per delivery, in the trace of the request that published it.
      const attributes = { 'messaging.system': 'rabbitmq', 'cells.method': message.method };
      const outcome = await inConsumerSpan(delivery.properties.headers, 'cells.compute_apply', attributes, () =>
        perInstance.run(message.instanceUuid, () =>
          applyMessage(db, message, { delayMs: options.delayMs ?? 2000, events }),
        ),
      );
      // After a channel was lost the broker redelivers on the new one; applying again is a no-op.
      settleQuietly(() => on.ack(delivery));
      logger.info(
        { method: message.method, uuid: message.instanceUuid, requestId: message.requestId, outcome: outcome.kind },
        'compute message settled',
      );
      if (
        outcome.kind === 'applied' &&
        outcome.result === 'Success' &&
        message.method === 'terminate_instance' &&
        outcome.instance
      ) {
        await Promise.resolve(options.onDeleted?.(outcome.instance)).catch((err) =>
          logger.error({ err }, 'onDeleted hook failed'),
        );
      }
      options.onSettled?.(outcome, message.requestId);
    } catch (err) {
      // The database write failed: leave the message to the broker and try again later.
      logger.error({ err, requestId: message.requestId }, 'applying a compute message failed; requeueing');
      options.onFailed?.(message.requestId, err);
      setTimeout(() => settleQuietly(() => on.nack(delivery, false, true)), options.retryDelayMs ?? 1000);
    }
  };

  // Something was lost (connection, channel, a consumer): repair it after the backoff.
  // A loss noticed while a repair runs is caught by the check once it settles.
  const scheduleRepair = (why: string, err?: unknown) => {
    if (closing || repairTimer || repairing) return;
    const delay = backoff.next();
    logger.warn({ err, why, retryInMs: delay }, 'compute agent lost part of its broker link; repairing');
    repairTimer = setTimeout(() => {
      repairTimer = null;
      repairing = repair().then(
        () => {
          repairing = null;
          if (whole()) backoff.reset();
          else scheduleRepair('lost again while repairing');
        },
        (repairError) => {
          repairing = null;
          scheduleRepair('repair failed', repairError);
        },
      );
    }, delay);
  };
  const whole = () => model !== null && channel !== null && consumers.size === options.hosts.length;

  const openConnection = async (): Promise<ChannelModel> => {
    const opened = await connect(options.transportUrl);
    if (closing) {
      await opened.close().catch(() => undefined);
      throw new Error('compute agent is closing');
    }
    opened.on('error', (err) => logger.warn({ err }, 'compute agent broker connection error'));
    opened.on('close', (err?: Error) => {
      if (model !== opened) return;
      model = null;
      channel = null;
      consumers.clear();
      scheduleRepair('connection closed', err);
    });
    return opened;
  };

  const openChannel = async (on: ChannelModel): Promise<Channel> => {
    const opened = await on.createChannel();
    // A channel can close while its connection stays up (a channel error, a broker policy):
    // without this the agent would stop consuming for good.
    opened.on('error', (err) => logger.warn({ err }, 'compute agent channel error'));
    opened.on('close', () => {
      if (channel !== opened) return;
      channel = null;
      consumers.clear();
      scheduleRepair('channel closed');
    });
    // The broker cancels a consumer whose queue was deleted: declare it again and consume.
    opened.on('cancel', ({ consumerTag }: { consumerTag: string }) => {
      for (const [host, tag] of consumers) if (tag === consumerTag) consumers.delete(host);
      scheduleRepair('consumer cancelled by the broker');
    });
    await opened.prefetch(options.prefetch ?? 8);
    return opened;
  };

  const repair = async (): Promise<void> => {
    if (closing) return;
    model ??= await openConnection();
    const on = model;
    channel ??= await openChannel(on);
    const current = channel;
    for (const host of options.hosts) {
      if (consumers.has(host)) continue;
      await current.assertQueue(computeQueue(host), { durable: true });
      const { consumerTag } = await current.consume(computeQueue(host), handle(current), { noAck: false });
      if (channel !== current) return; // lost meanwhile: its close handler scheduled the next repair
      consumers.set(host, consumerTag);
    }
    logger.info({ hosts: options.hosts, cell: options.cellUuid }, 'compute agent consuming');
  };

  try {
    repairing = repair();
    await repairing;
  } catch (err) {
    closing = true;
    stopHeartbeat();
    await (model as ChannelModel | null)?.close().catch(() => undefined);
    await outbox.close();
    await db.$disconnect();
    throw err;
  } finally {
    repairing = null;
  }
  if (!whole()) scheduleRepair('lost while starting');
  return {
    hosts: [...options.hosts],
    close: async () => {
      closing = true;
      stopHeartbeat();
      if (repairTimer) clearTimeout(repairTimer);
      await repairing;
      const current = model as ChannelModel | null;
      model = null;
      if (current) await current.close().catch(() => undefined);
      await perInstance.idle();
      await outbox.close();
      await db.$disconnect();
    },
  };
}

/** Exponential reconnect delays with jitter, from `minMs` up to `maxMs`; reset after a success. */
class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.attempt++);
    return Math.round(base * (0.8 + Math.random() * 0.2));
  }

  reset(): void {
    this.attempt = 0;
  }
}

// An ack or nack on a channel that closed meanwhile throws; the broker redelivers unacked messages anyway.
function settleQuietly(settle: () => void): void {
  try {
    settle();
  } catch {
    // Nothing to do: see above.
  }
}
