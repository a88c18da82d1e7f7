import { connect as amqpConnect, type Channel, type ChannelModel } from 'amqplib';
import {
  INSTANCE_EVENTS_BINDING,
  NOTIFICATIONS_EXCHANGE,
  parseInstanceEventMessage,
  type InstanceEventMessage,
} from '../../domain/instanceEvents';
import type { Logger } from '../../infrastructure/logger';

/** Why a cell's event stream is not live; each has one fixed message for subscribers. */
export type StreamLoss = 'CONNECTION_LOST' | 'BROKER_UNREACHABLE' | 'CONSUMER_CANCELLED';

/** Where a stream is: opening, consuming, or waiting to try again after a loss. */
export type StreamPhase =
  | { phase: 'connecting' }
  | { phase: 'live'; since: Date }
  | { phase: 'down'; since: Date; reason: StreamLoss; nextAttemptAt: Date }
  | { phase: 'stopped' };

export interface ReconnectSettings {
  /** First delay after a loss; it doubles up to maxMs (with jitter) and starts over once live. */
  minMs: number;
  maxMs: number;
}

export interface CellEventStreamOptions {
  cellUuid: string;
  /** The cell's vhost, with the gateway's own broker credentials (see eventTransportUrl). */
  url: string;
  logger: Logger;
  reconnect: ReconnectSettings;
  /** The queue's bound on the broker (x-max-length, oldest dropped): a stalled gateway cannot fill the broker. */
  queueMaxLength: number;
  connectTimeoutMs: number;
  onEvent(event: InstanceEventMessage): void;
  /** The stream is consuming (first time, or again after a loss). */
  onLive(): void;
  /** The stream stopped consuming (or could not start): events may be missed until onLive. */
  onLost(reason: StreamLoss): void;
  /** amqplib's connect; tests pass a wrapper to reach the connection. */
  connect?: (
    url: string,
    socketOptions: { timeout: number; clientProperties: Record<string, string> },
  ) => Promise<ChannelModel>;
}

/** The connection_name the gateway's stream of `cellUuid` shows on the broker. */
export function eventStreamConnectionName(cellUuid: string): string {
  return `cells-gateway-events ${cellUuid}`;
}

/** AMQP heartbeat the gateway asks for: a broker that stops answering is noticed within two of them. */
export const EVENT_STREAM_HEARTBEAT_S = 10;

/**
 * The gateway's consumer of one cell's notifications: one connection to the cell's vhost,
 * one server-named, exclusive, auto-deleting queue bound to `instance.#` on the
 * `cells.notifications` exchange (the gateway keeps nothing else on the broker, and the
 * queue goes with the connection). Any loss (connection closed or cut, channel closed, the
 * queue deleted, the vhost gone) is reported once (onLost) and repaired with backoff; a
 * new queue is bound each time, so events sent while the stream was down are not seen:
 * subscribers are told to refetch.
 */
export class CellEventStream {
  private state: StreamPhase = { phase: 'connecting' };
  private model: ChannelModel | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  /** Bumped on every (re)connect: callbacks of an older link are ignored. */
  private generation = 0;

  constructor(private readonly options: CellEventStreamOptions) {}

  get phase(): StreamPhase {
    return this.state;
  }

  get live(): boolean {
    return this.state.phase === 'live';
  }

  start(): void {
    void this.open();
  }

  /** Stops for good (the cell was removed or re-pointed, or the gateway is closing); no callback after this. */
  async stop(): Promise<void> {
    this.state = { phase: 'stopped' };
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const model = this.model;
    this.model = null;
    await model?.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation && this.state.phase !== 'stopped';
    let model: ChannelModel | null = null;
    try {
      model = await (this.options.connect ?? amqpConnect)(this.options.url, {
        timeout: this.options.connectTimeoutMs,
        // How an operator (and a test) tells the gateway's connection apart: rabbitmqctl list_connections user_provided_name.
        clientProperties: { connection_name: eventStreamConnectionName(this.options.cellUuid) },
      });
      if (!current()) {
        await model.close().catch(() => undefined);
        return;
      }
      this.model = model;
      model.on('error', (err) => this.options.logger.warn({ err, cell: this.options.cellUuid }, 'event stream error'));
      model.on('close', () => current() && this.lost('CONNECTION_LOST'));
      const channel = await model.createChannel();
      channel.on('error', (err) =>
        this.options.logger.warn({ err, cell: this.options.cellUuid }, 'event stream channel error'),
      );
      channel.on('close', () => current() && this.lost('CONNECTION_LOST'));
      await this.consume(channel, current);
      if (!current()) return;
      this.attempt = 0;
      this.state = { phase: 'live', since: new Date() };
      this.options.logger.info({ cell: this.options.cellUuid }, 'event stream live');
      this.options.onLive();
    } catch (err) {
      if (!current()) return;
      this.options.logger.warn({ err, cell: this.options.cellUuid }, 'event stream could not start');
      await model?.close().catch(() => undefined);
      this.lost('BROKER_UNREACHABLE');
    }
  }

  private async consume(channel: Channel, current: () => boolean): Promise<void> {
    await channel.assertExchange(NOTIFICATIONS_EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      durable: false,
      arguments: { 'x-max-length': this.options.queueMaxLength, 'x-overflow': 'drop-head' },
    });
    await channel.bindQueue(queue, NOTIFICATIONS_EXCHANGE, INSTANCE_EVENTS_BINDING);
    await channel.consume(
      queue,
      (delivery) => {
        if (!current()) return;
        // A null delivery is the broker cancelling the consumer: its queue was deleted.
        if (!delivery) return void this.lost('CONSUMER_CANCELLED');
        const event = parseInstanceEventMessage(delivery.content);
        if (event instanceof Error || event.cellUuid !== this.options.cellUuid) {
          this.options.logger.warn(
            { cell: this.options.cellUuid, err: event instanceof Error ? event.message : 'event of another cell' },
            'dropping a notification that is not an instance event of this cell',
          );
          return;
        }
        this.options.onEvent(event);
      },
      { noAck: true },
    );
  }

  // Once per loss: report it, drop what is left of the link, and try again after the backoff.
  private lost(reason: StreamLoss): void {
    if (this.state.phase === 'down' || this.state.phase === 'stopped') return;
    this.generation++;
    const model = this.model;
    this.model = null;
    model?.close().catch(() => undefined);
    const delay = this.backoff();
    this.state = { phase: 'down', since: new Date(), reason, nextAttemptAt: new Date(Date.now() + delay) };
    this.options.logger.warn({ cell: this.options.cellUuid, reason, retryInMs: delay }, 'event stream lost');
    this.options.onLost(reason);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.state = { phase: 'connecting' };
      void this.open();
    }, delay);
    this.timer.unref();
  }

  private backoff(): number {
    const { minMs, maxMs } = this.options.reconnect;
    const base = Math.min(maxMs, minMs * 2 ** this.attempt++);
    return Math.round(base * (0.8 + Math.random() * 0.2));
  }
}

/**
 * The URL the gateway consumes a cell's events on: the cell mapping's transport (scheme,
 * host, port, vhost and options) with the gateway's own broker credentials, since a
 * mapping's password is never shown, and a heartbeat; null for a cell without a broker
 * (cell0's `none:///`) or a transport that is not AMQP.
 */
export function eventTransportUrl(
  transportUrl: string | null,
  credentials: { user: string; password: string },
): string | null {
  if (!transportUrl) return null;
  let url: URL;
  try {
    url = new URL(transportUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') return null;
  url.username = encodeURIComponent(credentials.user);
  url.password = encodeURIComponent(credentials.password);
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(EVENT_STREAM_HEARTBEAT_S));
  return url.toString();
}
