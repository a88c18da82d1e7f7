import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Instance } from '../prisma/cell/generated/client';
import { createCellClient } from '../prisma/clients';
import { registerComputeNode } from '../cellsAdmin';
import { silentLogger, type Logger } from '../subgraphs/shared/logger';
import { applyMessage, type ApplyOutcome } from './applyMessage';
import { computeQueue, parseComputeMessage } from './messages';
import { startHeartbeat } from './heartbeat';
import { SerialQueue } from './serialQueue';

export interface ComputeAgentOptions {
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
}

export interface RunningComputeAgent {
  hosts: string[];
  close(): Promise<void>;
}

/**
 * A compute agent for one or more hosts of one cell: registers each host's compute
 * node, consumes compute.<host> with manual acks, and acknowledges a message only
 * after its database transaction committed (at-least-once; applying is idempotent).
 * Reconnects to the broker on its own after the connection is lost.
 */
export async function startComputeAgent(options: ComputeAgentOptions): Promise<RunningComputeAgent> {
  if (options.hosts.length === 0) throw new Error('startComputeAgent: at least one host is needed');
  const logger = options.logger ?? silentLogger();
  const db = createCellClient(options.databaseUrl, { max: 4 });
  const node = options.node ?? { vcpus: 16, memoryMb: 32768, localGb: 500 };
  for (const host of options.hosts) await registerComputeNode(db, { host, ...node });
  const stopHeartbeat = startHeartbeat(db, options.hosts, options.heartbeatMs ?? 10000, logger);
  const perInstance = new SerialQueue();
  let model: ChannelModel | null = null;
  let closing = false;
  let reconnectTimer: NodeJS.Timeout | null = null;

  const handle = (channel: Channel) => async (delivery: ConsumeMessage | null) => {
    if (!delivery) return; // the broker cancelled the consumer (queue deleted): the reconnect re-declares it
    const message = parseComputeMessage(delivery.content);
    if (message instanceof Error) {
      logger.error({ err: message }, 'dropping a message that is not a compute message');
      channel.nack(delivery, false, false);
      options.onSettled?.({ kind: 'rejected', reason: message.message }, null);
      return;
    }
    try {
      const outcome = await perInstance.run(message.instanceUuid, () => applyMessage(db, message, { delayMs: options.delayMs ?? 2000 }));
      ackQuietly(channel, delivery);
      logger.info({ method: message.method, uuid: message.instanceUuid, requestId: message.requestId, outcome: outcome.kind }, 'compute message settled');
      if (outcome.kind === 'applied' && outcome.result === 'Success' && message.method === 'terminate_instance' && outcome.instance) {
        await Promise.resolve(options.onDeleted?.(outcome.instance)).catch((err) => logger.error({ err }, 'onDeleted hook failed'));
      }
      options.onSettled?.(outcome, message.requestId);
    } catch (err) {
      // The database write failed: leave the message to the broker and try again later.
      logger.error({ err, requestId: message.requestId }, 'applying a compute message failed; requeueing');
      options.onFailed?.(message.requestId, err);
      setTimeout(() => {
        try {
          channel.nack(delivery, false, true);
        } catch {
          // The channel closed meanwhile: the broker redelivers unacked messages anyway.
        }
      }, options.retryDelayMs ?? 1000);
    }
  };

  const open = async (): Promise<void> => {
    const opened = await connect(options.transportUrl);
    if (closing) return void (await opened.close().catch(() => undefined));
    model = opened;
    opened.on('error', (err) => logger.warn({ err }, 'compute agent broker connection error'));
    opened.on('close', () => {
      model = null;
      if (!closing) scheduleReconnect();
    });
    const channel = await opened.createChannel();
    channel.on('error', (err) => logger.warn({ err }, 'compute agent channel error'));
    await channel.prefetch(options.prefetch ?? 8);
    for (const host of options.hosts) {
      await channel.assertQueue(computeQueue(host), { durable: true });
      await channel.consume(computeQueue(host), handle(channel), { noAck: false });
    }
    logger.info({ hosts: options.hosts, cell: options.cellUuid }, 'compute agent consuming');
  };

  const scheduleReconnect = () => {
    if (closing || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      open().catch((err) => {
        logger.warn({ err }, 'compute agent could not reconnect; retrying');
        scheduleReconnect();
      });
    }, 1000);
  };

  try {
    await open();
  } catch (err) {
    stopHeartbeat();
    await db.$disconnect();
    throw err;
  }
  return {
    hosts: [...options.hosts],
    close: async () => {
      closing = true;
      stopHeartbeat();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const current = model as ChannelModel | null;
      if (current) await current.close().catch(() => undefined);
      await perInstance.idle();
      await db.$disconnect();
    },
  };
}

// After close() the channel is gone; the broker then redelivers, and applying again is a no-op.
function ackQuietly(channel: Channel, delivery: ConsumeMessage): void {
  try {
    channel.ack(delivery);
  } catch {
    // Nothing to do: see above.
  }
}
