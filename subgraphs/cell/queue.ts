import { connect as amqpConnect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { GraphQLError } from 'graphql';
import { inSpan, injectTraceContext, SpanKind } from '../../infrastructure/tracing';
import { withTimeout } from '../../infrastructure/withTimeout';
import { ErrorCode } from '../../domain/errors';
import type { Logger } from '../../infrastructure/logger';
import { computeQueue, type ComputeMessage } from '../../domain/computeMessages';

/** A cell's broker as the subgraph uses it: publish one message and wait for the confirm. */
export interface CellQueue {
  /** False for a cell without a queue (cell0: transport_url `none:///`). */
  readonly enabled: boolean;
  /** The budget of one publish (connect + confirm). */
  readonly timeoutMs: number;
  /**
   * Resolves when a publish could go out now (connected, not blocked by a resource
   * alarm); a PublishFailure otherwise. Callers check it before writing anything, so a
   * broker that is down or blocked refuses an action with nothing written.
   */
  ready(context?: PublishContext): Promise<void>;
  /**
   * Publishes `message` to compute.<host> with `mandatory` and waits for the confirm.
   * Fails with a PublishFailure: a return (no queue for the host), a nack, no confirm in
   * time, a blocked or lost connection, or no broker at all.
   */
  publish(message: ComputeMessage, context?: PublishContext): Promise<void>;
  close(): Promise<void>;
}

/** Who asked, for the log line of a failure (the raw broker text goes only there). */
export interface PublishContext {
  requestId?: string;
}

export interface CellQueueOptions {
  logger: Logger;
  /** Connect + confirm budget for one publish. */
  timeoutMs: number;
  /** amqplib's connect; tests pass a wrapper to reach the connection. */
  connect?: (url: string, socketOptions: { timeout: number }) => Promise<ChannelModel>;
}

/** Why a publish failed; each has one fixed message for the caller. */
export type PublishFailureReason =
  | 'NO_QUEUE'
  | 'QUEUE_CLOSED'
  | 'HOST_NOT_CONSUMING'
  | 'BROKER_UNREACHABLE'
  | 'BROKER_BLOCKED'
  | 'BROKER_REFUSED'
  | 'BROKER_TIMEOUT'
  | 'BROKER_LOST';

const MESSAGES: Record<PublishFailureReason, (host: string) => string> = {
  NO_QUEUE: (host) =>
    host ? `this cell has no message queue; cannot reach compute.${host}` : 'this cell has no message queue',
  QUEUE_CLOSED: () => "the cell's message queue is shutting down",
  HOST_NOT_CONSUMING: (host) => `compute host ${host} is not consuming`,
  BROKER_UNREACHABLE: () => "the cell's message broker is unreachable",
  BROKER_BLOCKED: () => "the cell's message broker is blocking publishes (resource alarm)",
  BROKER_REFUSED: () => "the cell's message broker refused the message",
  BROKER_TIMEOUT: () => "the cell's message broker did not confirm in time",
  BROKER_LOST: () => "the connection to the cell's message broker was lost",
};

/**
 * A publish that failed, as the caller sees it: BROKER_UNAVAILABLE (or HOST_UNAVAILABLE
 * for a host without a queue) with a fixed message per `reason`. Never broker text.
 */
export class PublishFailure extends GraphQLError {
  constructor(
    readonly reason: PublishFailureReason,
    readonly host: string,
  ) {
    super(MESSAGES[reason](host), {
      extensions: {
        code: reason === 'HOST_NOT_CONSUMING' ? ErrorCode.HOST_UNAVAILABLE : ErrorCode.BROKER_UNAVAILABLE,
        reason,
        ...(host ? { host } : {}),
      },
    });
  }

  /** The broker surely did not enqueue the message, and asking again will not change that soon. */
  get refusedForHost(): boolean {
    return this.reason === 'HOST_NOT_CONSUMING' || this.reason === 'BROKER_REFUSED' || this.reason === 'NO_QUEUE';
  }
}

/** The queue for `transportUrl`: `none:` → no queue; `amqp:`/`amqps:` → one lazily opened connection. */
export function createCellQueue(transportUrl: string, options: CellQueueOptions): CellQueue {
  if (transportUrl.startsWith('none:')) return noQueue;
  return new AmqpCellQueue(transportUrl, options);
}

const noQueue: CellQueue = {
  enabled: false,
  timeoutMs: 0,
  ready: async () => {
    throw new PublishFailure('NO_QUEUE', '');
  },
  publish: async (message) => {
    throw new PublishFailure('NO_QUEUE', message.host);
  },
  close: async () => undefined,
};

// A failure inside the queue: the caller's reason and the raw error for the log.
class Fault extends Error {
  constructor(
    readonly reason: PublishFailureReason,
    readonly raw: unknown,
  ) {
    super(reason);
  }
}

interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** The broker's reason while it blocks this connection (connection.blocked), else null. */
  blocked: string | null;
  /** messageIds the broker returned (basic.return comes before their confirm). */
  returned: Set<string>;
  /** In-flight publishes, failed at once when the link is blocked or lost. */
  pending: Set<(fault: Fault) => void>;
}

/**
 * One AMQP connection and confirm channel per cell subgraph, opened on first use and
 * reused. When the broker drops it (restart, vhost deleted) the next publish opens a
 * new one, so recovery needs no timer and a down broker costs nothing while idle.
 *
 * The publisher never declares a host's queue: the compute agent owns it. A publish is
 * `mandatory`, so a message for a host whose queue is gone comes back (basic.return)
 * and fails as HOST_NOT_CONSUMING instead of being confirmed and dropped.
 */
class AmqpCellQueue implements CellQueue {
  readonly enabled = true;
  readonly timeoutMs: number;
  private link: Promise<Link> | null = null;
  private current: Link | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly options: CellQueueOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
  }

  async ready(context: PublishContext = {}): Promise<void> {
    const what = { host: '', requestId: context.requestId };
    try {
      if (this.closed) throw new Fault('QUEUE_CLOSED', null);
      const link = await this.linkWithin(Date.now() + this.options.timeoutMs);
      if (link.blocked) throw new Fault('BROKER_BLOCKED', new Error(`connection blocked: ${link.blocked}`));
    } catch (err) {
      throw this.failure(err, what);
    }
  }

  /** One PRODUCER span per message; its `traceparent` travels in the message's headers to the agent. */
  publish(message: ComputeMessage, context: PublishContext = {}): Promise<void> {
    const attributes = {
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': computeQueue(message.host),
      'cells.method': message.method,
    };
    return inSpan('cells.compute_publish', SpanKind.PRODUCER, attributes, () => this.publishTraced(message, context));
  }

  private async publishTraced(message: ComputeMessage, context: PublishContext): Promise<void> {
    const what = {
      host: message.host,
      requestId: context.requestId,
      messageId: message.requestId,
      method: message.method,
    };
    if (this.closed) throw this.failure(new Fault('QUEUE_CLOSED', null), what);
    const deadline = Date.now() + this.options.timeoutMs;
    const reused = this.current !== null;
    try {
      await this.publishOn(await this.linkWithin(deadline), message, deadline);
    } catch (err) {
      // A reused link may have died unnoticed (broker restart): one retry on a fresh one.
      // A duplicate is harmless: the agent is idempotent by request id.
      const lost = err instanceof Fault && err.reason === 'BROKER_LOST';
      if (!reused || !lost || this.closed || deadline - Date.now() <= 0) throw this.failure(err, what);
      this.options.logger.info(
        { err: err.raw, ...what },
        'publish on a reused AMQP link failed; retrying on a fresh one',
      );
      try {
        await this.publishOn(await this.linkWithin(deadline), message, deadline);
      } catch (again) {
        throw this.failure(again, what);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.link;
    this.link = null;
    this.current = null;
    if (!link) return;
    try {
      await (await link).model.close();
    } catch {
      // Already closed or never opened: nothing to release.
    }
  }

  private async publishOn(link: Link, message: ComputeMessage, deadline: number): Promise<void> {
    if (link.blocked) throw new Fault('BROKER_BLOCKED', new Error(`connection blocked: ${link.blocked}`));
    const body = Buffer.from(JSON.stringify(message));
    const id = message.requestId;
    const confirmed = new Promise<void>((resolve, reject) => {
      const settle = (fault?: Fault) => {
        link.pending.delete(settle);
        if (fault) reject(fault);
        else resolve();
      };
      link.pending.add(settle);
      const options = {
        mandatory: true,
        persistent: true,
        contentType: 'application/json',
        messageId: id,
        type: message.method,
        headers: injectTraceContext({}),
      };
      try {
        link.channel.publish('', computeQueue(message.host), body, options, (err) => {
          if (link.returned.delete(id))
            settle(new Fault('HOST_NOT_CONSUMING', new Error(`basic.return for ${computeQueue(message.host)}`)));
          else if (err)
            settle(new Fault((err as Error).message === 'message nacked' ? 'BROKER_REFUSED' : 'BROKER_LOST', err));
          else settle();
        });
      } catch (err) {
        settle(new Fault('BROKER_LOST', err));
      }
    });
    try {
      await withDeadline(
        confirmed,
        deadline - Date.now(),
        () => new Fault('BROKER_TIMEOUT', new Error('no confirm in time')),
      );
    } catch (err) {
      // A return or a nack leaves the channel sound, and a blocked link must be kept to
      // remember that it is blocked; a channel that missed a confirm is in an unknown state.
      const reason = err instanceof Fault ? err.reason : 'BROKER_LOST';
      const keep = reason === 'HOST_NOT_CONSUMING' || reason === 'BROKER_REFUSED' || link.blocked !== null;
      if (!keep) this.drop(link);
      throw err;
    }
  }

  private async linkWithin(deadline: number): Promise<Link> {
    try {
      return await withDeadline(this.getLink(), deadline - Date.now(), () => new Error('timed out connecting'));
    } catch (err) {
      throw err instanceof Fault ? err : new Fault('BROKER_UNREACHABLE', err);
    }
  }

  private getLink(): Promise<Link> {
    if (!this.link) {
      const opening = this.open();
      this.link = opening;
      opening.then(
        (link) => {
          if (this.link === opening) this.current = link;
        },
        () => {
          if (this.link === opening) this.link = null;
        },
      );
    }
    return this.link;
  }

  private async open(): Promise<Link> {
    const model = await (this.options.connect ?? amqpConnect)(this.url, { timeout: this.options.timeoutMs });
    let channel: ConfirmChannel;
    try {
      channel = await model.createConfirmChannel();
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
    const link: Link = { model, channel, blocked: null, returned: new Set(), pending: new Set() };
    const logger = this.options.logger;
    const forget = (why: string) => (err?: Error) => {
      if (this.current === link) logger.warn({ err, why }, 'AMQP link lost; the next publish reconnects');
      this.drop(link);
    };
    model.on('error', forget('connection error'));
    model.on('close', forget('connection closed'));
    channel.on('error', forget('channel error'));
    channel.on('close', forget('channel closed'));
    channel.on('return', (returned) => {
      const id = returned.properties.messageId;
      if (typeof id === 'string') link.returned.add(id);
    });
    // A resource alarm (memory, disk): the broker stops reading this connection. Publishes
    // in flight would wait for the alarm to clear; they fail now, and new ones at once.
    model.on('blocked', (reason: string) => {
      link.blocked = reason || 'blocked';
      logger.warn({ reason }, 'the broker blocks publishing (resource alarm); actions fail until it unblocks');
      failPending(link, new Fault('BROKER_BLOCKED', new Error(`connection blocked: ${link.blocked}`)));
    });
    model.on('unblocked', () => {
      link.blocked = null;
      logger.info('the broker unblocked publishing');
    });
    if (this.closed) await model.close().catch(() => undefined);
    return link;
  }

  private drop(link: Link): void {
    if (this.current === link) {
      this.current = null;
      this.link = null;
    }
    failPending(link, new Fault('BROKER_LOST', new Error('the AMQP link closed')));
    link.model.close().catch(() => undefined);
  }

  // The caller's error; the raw text only in the log, with who asked.
  private failure(err: unknown, what: Record<string, unknown> & { host: string }): PublishFailure {
    const fault = err instanceof Fault ? err : new Fault('BROKER_LOST', err);
    this.options.logger.warn({ err: fault.raw, reason: fault.reason, ...what }, 'publish to the cell broker failed');
    return new PublishFailure(fault.reason, what.host);
  }
}

function failPending(link: Link, fault: Fault): void {
  for (const settle of [...link.pending]) settle(fault);
}

// One step of a publish against what is left of its deadline; none left fails at once.
function withDeadline<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  if (ms <= 0) return Promise.reject(timedOut());
  return withTimeout(promise, ms, timedOut);
}
