import { connect as amqpConnect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '../logger';
import { withTimeout } from '../withTimeout';

/** Publishes persistent messages to one durable topic exchange and waits for each confirm. */
export interface TopicPublisher {
  /** Resolves once the broker confirmed the message; rejects (never hangs past the budget) otherwise. */
  publish(routingKey: string, body: string, messageId?: string): Promise<void>;
  close(): Promise<void>;
}

export interface TopicPublisherOptions {
  /** amqp(s) URL of the vhost. */
  url: string;
  exchange: string;
  /** Connect + confirm budget of one publish. */
  timeoutMs: number;
  logger: Logger;
  /** amqplib's connect; tests pass a wrapper to reach the connection. */
  connect?: (url: string, socketOptions: { timeout: number }) => Promise<ChannelModel>;
}

interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** Set while the broker blocks the connection (resource alarm): publishes fail at once. */
  blocked: boolean;
}

/**
 * One lazily opened connection and confirm channel, reused until the broker drops it;
 * the next publish then opens a new one, so a broker that is down costs nothing while
 * idle. The exchange is declared on every new link (durable topic, idempotent), so a
 * vhost that was deleted and made again works without anyone declaring it by hand.
 * It is its own connection, apart from the one compute messages use: a notification
 * that goes wrong never touches an action's publish.
 */
export function createTopicPublisher(options: TopicPublisherOptions): TopicPublisher {
  let link: Promise<Link> | null = null;
  let current: Link | null = null;
  let closed = false;

  const open = async (): Promise<Link> => {
    const model = await (options.connect ?? amqpConnect)(options.url, { timeout: options.timeoutMs });
    try {
      const channel = await model.createConfirmChannel();
      await channel.assertExchange(options.exchange, 'topic', { durable: true });
      const opened: Link = { model, channel, blocked: false };
      const forget = () => {
        if (link && current === opened) link = null;
        current = null;
        model.close().catch(() => undefined);
      };
      model.on('error', (err) => options.logger.warn({ err }, 'notification broker connection error'));
      model.on('close', forget);
      channel.on('error', (err) => options.logger.warn({ err }, 'notification channel error'));
      channel.on('close', forget);
      model.on('blocked', () => (opened.blocked = true));
      model.on('unblocked', () => (opened.blocked = false));
      if (closed) await model.close().catch(() => undefined);
      return opened;
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
  };
  const getLink = (): Promise<Link> => {
    if (!link) {
      const opening = open();
      link = opening;
      opening.then(
        (opened) => {
          if (link === opening) current = opened;
        },
        () => {
          if (link === opening) link = null;
        },
      );
    }
    return link;
  };

  return {
    async publish(routingKey, body, messageId) {
      if (closed) throw new Error('notification publisher is closed');
      const deadline = Date.now() + options.timeoutMs;
      const left = () => Math.max(1, deadline - Date.now());
      const opened = await withTimeout(getLink(), left(), () => new Error('timed out connecting to the broker'));
      if (opened.blocked) throw new Error('the broker blocks publishing (resource alarm)');
      const confirmed = new Promise<void>((resolve, reject) => {
        try {
          opened.channel.publish(
            options.exchange,
            routingKey,
            Buffer.from(body),
            { persistent: true, contentType: 'application/json', type: routingKey, messageId },
            (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
          );
        } catch (err) {
          reject(err as Error);
        }
      });
      try {
        await withTimeout(confirmed, left(), () => new Error('no confirm in time'));
      } catch (err) {
        // A channel that missed a confirm is in an unknown state: the next publish opens a new one.
        if (current === opened) {
          link = null;
          current = null;
          opened.model.close().catch(() => undefined);
        }
        throw err;
      }
    },
    async close() {
      closed = true;
      const closing = link;
      link = null;
      current = null;
      if (!closing) return;
      try {
        await (await closing).model.close();
      } catch {
        // Never opened, or already closed: nothing to release.
      }
    },
  };
}
