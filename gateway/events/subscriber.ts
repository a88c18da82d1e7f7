import type { InstanceEventMessage } from '../../domain/instanceEvents';

/** One event as `Subscription.instanceEvents` serves it (the contract's InstanceEvent): the wire's fields, and the markers'. */
export interface InstanceEventView extends Omit<InstanceEventMessage, 'version' | 'instanceUuid' | 'status'> {
  kind: 'INSTANCE' | 'STREAM_INTERRUPTED' | 'STREAM_RESTORED';
  cellName: string | null;
  /** Null on stream markers, as everything about an instance. */
  instanceUuid: string | null;
  status: string | null;
  message: string | null;
}

/**
 * What graphql-js executes the subscription's selection on, one per event. An Error in
 * place of the event is served as that error (`data: null`): the last word to a dropped
 * subscriber over SSE.
 */
export interface SubscriptionPayload {
  instanceEvents: InstanceEventView | Error;
}

/** The fixed message a dropped subscriber is told (contract: issue 12). */
export function tooSlowMessage(limit: number): string {
  return `subscriber too slow: more than ${limit} events buffered`;
}

export interface SubscriberOptions {
  /** Events buffered for this subscriber before it is dropped (CELLS_SUBSCRIPTION_BUFFER). */
  bufferLimit: number;
  /**
   * Called once when the subscriber is dropped for being too slow, with the fixed message:
   * the transport tells the client, by closing its socket (WebSocket: 4429) or with a last
   * payload it answers (SSE: an error event), served before the subscription completes.
   */
  onTooSlow: (message: string) => SubscriptionPayload | null;
  /** Called once when the subscription ends for any reason (the client left, dropped, gateway closing). */
  onEnd: () => void;
}

/**
 * One subscription's bounded buffer, as an async iterator graphql-js maps over. The hub
 * offers events; the transport pulls them as fast as the client takes them (graphql-ws
 * pulls the next only once the last was written to the socket; over SSE the transport
 * counts what it holds unwritten with `holding`). Past `bufferLimit` buffered events the
 * subscriber is dropped: the buffer is cleared, the transport is told (onTooSlow), and
 * nothing more is kept for it, so a slow client never makes the gateway buffer without end.
 */
export class Subscriber implements AsyncIterableIterator<SubscriptionPayload> {
  private readonly queue: InstanceEventView[] = [];
  private waiting: ((result: IteratorResult<SubscriptionPayload>) => void) | null = null;
  private ended = false;
  /** Events the transport took from this iterator but has not written to the client yet. */
  private held = 0;
  /** A last payload served before the end (the SSE transport's error event for a dropped subscriber). */
  private farewell: SubscriptionPayload | null = null;

  constructor(private readonly options: SubscriberOptions) {}

  get closed(): boolean {
    return this.ended;
  }

  /** Buffered for this subscriber and not yet written to it. */
  get buffered(): number {
    return this.queue.length + this.held;
  }

  /** Adds an event; drops the subscriber when that would buffer more than its limit. */
  offer(event: InstanceEventView): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ done: false, value: { instanceEvents: event } });
      return;
    }
    if (this.buffered >= this.options.bufferLimit) {
      this.drop();
      return;
    }
    this.queue.push(event);
  }

  /** The transport took `count` events it has not written yet (negative: it wrote them). */
  holding(count: number): void {
    this.held = Math.max(0, this.held + count);
    if (!this.ended && this.held > this.options.bufferLimit) this.drop();
  }

  next(): Promise<IteratorResult<SubscriptionPayload>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ done: false, value: { instanceEvents: event } });
    if (this.farewell) {
      const last = this.farewell;
      this.farewell = null;
      return Promise.resolve({ done: false, value: last });
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<SubscriptionPayload>> {
    this.queue.length = 0;
    this.farewell = null;
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(err?: unknown): Promise<IteratorResult<SubscriptionPayload>> {
    this.queue.length = 0;
    this.farewell = null;
    this.finish();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SubscriptionPayload> {
    return this;
  }

  /** Ends the subscription (the gateway is closing, the token expired), with `last` as its last result if given. */
  close(last: SubscriptionPayload | null = null): void {
    if (this.ended) return;
    this.queue.length = 0;
    this.farewell = last;
    this.finish();
  }

  private drop(): void {
    this.queue.length = 0;
    this.held = 0;
    this.farewell = this.options.onTooSlow(tooSlowMessage(this.options.bufferLimit));
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      const last = this.farewell;
      this.farewell = null;
      resolve(last ? { done: false, value: last } : { done: true, value: undefined });
    }
    this.options.onEnd();
  }
}
