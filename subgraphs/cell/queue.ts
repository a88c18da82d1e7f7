import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { withTimeout } from '../shared/withTimeout';
import { cellsError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { computeQueue, type ComputeMessage } from '../../compute/messages';

/** A cell's broker as the subgraph uses it: publish one message and wait for the confirm. */
export interface CellQueue {
  /** False for a cell without a queue (cell0: transport_url `none:///`). */
  readonly enabled: boolean;
  publish(message: ComputeMessage): Promise<void>;
  close(): Promise<void>;
}

export interface CellQueueOptions {
  logger: Logger;
  /** Connect + confirm budget for one publish. */
  timeoutMs: number;
}

/** The queue for `transportUrl`: `none:` → no queue; `amqp:`/`amqps:` → one lazily opened connection. */
export function createCellQueue(transportUrl: string, options: CellQueueOptions): CellQueue {
  if (transportUrl.startsWith('none:')) return noQueue;
  return new AmqpCellQueue(transportUrl, options);
}

const noQueue: CellQueue = {
  enabled: false,
  publish: async (message) => {
    throw cellsError(ErrorCode.BROKER_UNAVAILABLE, `this cell has no message queue; cannot reach compute.${message.host}`);
  },
  close: async () => undefined,
};

interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
  asserted: Set<string>;
}

/**
 * One AMQP connection and confirm channel per cell subgraph, opened on first use and
 * reused. When the broker drops it (restart, vhost deleted) the next publish opens a
 * new one, so recovery needs no timer and a down broker costs nothing while idle.
 */
class AmqpCellQueue implements CellQueue {
  readonly enabled = true;
  private link: Promise<Link> | null = null;
  private ready: Link | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly options: CellQueueOptions,
  ) {}

  async publish(message: ComputeMessage): Promise<void> {
    if (this.closed) throw unavailable(message, 'the queue is closed');
    const deadline = Date.now() + this.options.timeoutMs;
    const reused = this.ready !== null;
    try {
      await this.publishOn(await withDeadline(this.getLink(), this.options.timeoutMs, 'connecting'), message, deadline);
    } catch (err) {
      // A reused link may have died unnoticed (broker restart): one retry on a fresh one.
      // A duplicate is harmless: the agent is idempotent by request id.
      if (!reused || this.closed || deadline - Date.now() <= 0) throw unavailable(message, (err as Error).message);
      try {
        await this.publishOn(await withDeadline(this.getLink(), deadline - Date.now(), 'reconnecting'), message, deadline);
      } catch (again) {
        throw unavailable(message, (again as Error).message);
      }
    }
  }

  private async publishOn(link: Link, message: ComputeMessage, deadline: number): Promise<void> {
    const queue = computeQueue(message.host);
    try {
      if (!link.asserted.has(queue)) {
        await withDeadline(link.channel.assertQueue(queue, { durable: true }), deadline - Date.now(), 'declaring the queue');
        link.asserted.add(queue);
      }
      const body = Buffer.from(JSON.stringify(message));
      const confirmed = new Promise<void>((resolve, reject) => {
        const options = { persistent: true, contentType: 'application/json', messageId: message.requestId, type: message.method };
        link.channel.publish('', queue, body, options, (err) => (err ? reject(new Error('the broker refused the message (nack)')) : resolve()));
      });
      await withDeadline(confirmed, deadline - Date.now(), 'waiting for the confirm');
    } catch (err) {
      // A channel that missed a confirm is in an unknown state: start afresh next time.
      this.drop(link);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.link;
    this.link = null;
    if (!link) return;
    try {
      await (await link).model.close();
    } catch {
      // Already closed or never opened: nothing to release.
    }
  }

  private getLink(): Promise<Link> {
    if (!this.link) {
      const opening = this.open();
      this.link = opening;
      opening.then(
        (link) => {
          if (this.link === opening) this.ready = link;
        },
        () => {
          if (this.link === opening) this.link = null;
        },
      );
    }
    return this.link;
  }

  private async open(): Promise<Link> {
    const model = await connect(this.url, { timeout: this.options.timeoutMs });
    const link: Link = { model, channel: await model.createConfirmChannel(), asserted: new Set() };
    const forget = (why: string) => (err?: Error) => {
      if (this.ready === link) this.options.logger.warn({ err, why }, 'AMQP link lost; the next publish reconnects');
      this.drop(link);
    };
    model.on('error', forget('connection error'));
    model.on('close', forget('connection closed'));
    link.channel.on('error', forget('channel error'));
    link.channel.on('close', forget('channel closed'));
    if (this.closed) await model.close().catch(() => undefined);
    return link;
  }

  private drop(link: Link): void {
    if (this.ready === link) {
      this.ready = null;
      this.link = null;
    }
    link.model.close().catch(() => undefined);
  }
}

function unavailable(message: ComputeMessage, why: string) {
  return cellsError(ErrorCode.BROKER_UNAVAILABLE, `could not publish ${message.method} to compute.${message.host}: ${why}`, {
    host: message.host,
  });
}

// One step of a publish against what is left of its deadline; none left fails at once.
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) return Promise.reject(new Error(`timed out ${what}`));
  return withTimeout(promise, ms, () => new Error(`timed out after ${ms} ms ${what}`));
}
