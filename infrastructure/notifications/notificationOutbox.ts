import { randomUUID } from 'node:crypto';
import type { CellClient } from '../../prisma/clients';
import type { Logger } from '../logger';
import type { TopicPublisher } from './topicPublisher';

type Tx = Parameters<Parameters<CellClient['$transaction']>[0]>[0];

/** A notification as the outbox stores it: its routing key and what it serializes to. */
export interface Notification {
  eventType: string;
}

/** Rows for one change, written in its transaction and released after its commit. */
export interface StagedNotifications {
  /** Unique to the change: the writer releases exactly its own rows by it. */
  claim: string;
  rows: {
    eventType: string;
    payload: string;
    heldFor: string | null;
    claim: string;
    claimedUntil: Date;
  }[];
}

/**
 * How long a writer owns its rows: a publish of each with its confirm fits well within,
 * so the relay only takes rows whose writer failed or died.
 */
export function notificationLeaseMs(publishTimeoutMs: number): number {
  return 2 * publishTimeoutMs + 10000;
}

/** What one relay pass did with rows whose lease ran out. */
export interface NotificationRelayPass {
  published: number;
  /** Left for a later pass: the broker did not take them now. */
  kept: number;
}

export interface NotificationOutboxOptions {
  db: CellClient;
  /** Null for a cell without a broker (cell0), or with notifications off: nothing is staged. */
  publisher: TopicPublisher | null;
  logger: Logger;
  /** How long the writer owns its rows before the relay may publish them. */
  leaseMs: number;
  /** Rows one relay pass takes. Default 100. */
  batch?: number;
}

/**
 * The cell's notification outbox (table `notification_outbox`, migration 0004), shared by
 * the cell subgraph and the compute agent. A change stages its events, writes them in its
 * own transaction (recordNotifications), and releases them once it committed: they are
 * published with confirms and their rows dropped. So an event is never sent for a change
 * that rolled back, and never lost for one that committed: rows the writer could not
 * publish (broker down, process gone) wait for the relay, which takes rows whose lease ran
 * out (compare-and-set on the claim, so the subgraph's and the agent's relays share the
 * table) and publishes them in id order. An event held for a compute message (`heldFor`,
 * a compute_outbox request id) waits until that message is settled; the withdrawal of an
 * action deletes its held events in its own transaction. Publishing never throws into the
 * change: a failed publish is logged and retried by the relay.
 */
export class NotificationOutbox {
  readonly enabled: boolean;
  private readonly flushing = new Set<Promise<void>>();
  private tail: Promise<void> = Promise.resolve();
  private relayTimer: NodeJS.Timeout | null = null;
  private relaying: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Counted for tests and logs: events the broker confirmed, and publishes that failed. */
  readonly counts = { published: 0, failed: 0 };

  constructor(private readonly options: NotificationOutboxOptions) {
    this.enabled = options.publisher !== null;
  }

  /** Rows for `events` (null when notifications are off); `heldFor` makes them wait for that compute message. */
  stage(events: Notification[], heldFor: string | null = null): StagedNotifications | null {
    if (!this.enabled || events.length === 0) return null;
    const claim = randomUUID();
    const claimedUntil = new Date(Date.now() + this.options.leaseMs);
    return {
      claim,
      rows: events.map((event) => ({
        eventType: event.eventType,
        payload: JSON.stringify(event),
        heldFor,
        claim,
        claimedUntil,
      })),
    };
  }

  /**
   * Publishes the rows of a committed change (never throws, never makes the caller wait):
   * what the broker does not confirm stays for the relay.
   */
  release(staged: StagedNotifications | null): void {
    if (!staged || this.stopped) return;
    // One after the other, in the order the changes were released (committed): subscribers
    // see a process's events in that order.
    const flush = this.tail
      .then(() => this.publishClaimed(staged.claim))
      .then(() => undefined)
      .catch((err) =>
        this.options.logger.warn({ err }, 'could not publish notifications; the outbox relay will publish them'),
      )
      .finally(() => this.flushing.delete(flush));
    this.tail = flush;
    this.flushing.add(flush);
  }

  /**
   * release(), then waits (at most `timeoutMs`, never throwing) until the broker confirmed
   * these events, so that whatever the caller does next (publish a compute message) is
   * ordered after them for every consumer.
   */
  async releaseBefore(staged: StagedNotifications | null, timeoutMs: number): Promise<void> {
    if (!staged || this.stopped) return;
    this.release(staged);
    const flushed = this.tail;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flushed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Resolves once every release so far has settled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  /**
   * One relay pass: takes the rows whose lease ran out and that wait for no unsettled
   * compute message, oldest first, and publishes them.
   */
  async relay(): Promise<NotificationRelayPass> {
    const pass: NotificationRelayPass = { published: 0, kept: 0 };
    if (!this.enabled) return pass;
    const { db } = this.options;
    const now = new Date();
    const stale = await db.notificationOutbox.findMany({
      where: { claimedUntil: { lt: now } },
      orderBy: { id: 'asc' },
      take: this.options.batch ?? 100,
      select: { id: true, heldFor: true },
    });
    if (stale.length === 0) return pass;
    const held = [...new Set(stale.map((row) => row.heldFor).filter((key): key is string => key !== null))];
    const unsettled = new Set(
      held.length === 0
        ? []
        : (await db.computeOutbox.findMany({ where: { requestId: { in: held } }, select: { requestId: true } })).map(
            (row) => row.requestId,
          ),
    );
    const ready = stale.filter((row) => row.heldFor === null || !unsettled.has(row.heldFor)).map((row) => row.id);
    if (ready.length === 0) return pass;
    const claim = randomUUID();
    await db.notificationOutbox.updateMany({
      where: { id: { in: ready }, claimedUntil: { lt: now } },
      data: { claim, claimedUntil: new Date(Date.now() + this.options.leaseMs), attempts: { increment: 1 } },
    });
    const published = await this.publishClaimed(claim);
    pass.published = published.published;
    pass.kept = published.kept;
    if (pass.published > 0) this.options.logger.info({ published: pass.published }, 'notification relay published');
    return pass;
  }

  /** Runs relay() every `intervalMs` (the first pass at once: a restart's leftovers come first). */
  startRelay(intervalMs: number): void {
    if (!this.enabled) return;
    const tick = () => {
      this.relayTimer = null;
      this.relaying = this.relay()
        .catch((err) => this.options.logger.warn({ err }, 'notification relay pass failed; the next one retries'))
        .finally(() => {
          if (!this.stopped) schedule(intervalMs);
        });
    };
    const schedule = (ms: number) => {
      this.relayTimer = setTimeout(tick, ms);
      this.relayTimer.unref();
    };
    schedule(0);
  }

  /** Stops the relay, lets releases in flight settle, and closes the publisher. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.relayTimer) clearTimeout(this.relayTimer);
    await this.relaying;
    await this.idle();
    await this.options.publisher?.close();
  }

  // Publishes every row holding `claim` (a writer's own rows, which its lease keeps the
  // relay off, or a relay pass's), in id order on one channel, so in order; then drops
  // those the broker confirmed. The others stay for a later relay pass.
  private async publishClaimed(claim: string): Promise<NotificationRelayPass> {
    const { db, publisher } = this.options;
    const rows = await db.notificationOutbox.findMany({ where: { claim }, orderBy: { id: 'asc' } });
    if (rows.length === 0 || !publisher) return { published: 0, kept: 0 };
    const outcomes = await Promise.allSettled(
      rows.map((row) => publisher.publish(row.eventType, row.payload, `${claim}:${row.id}`)),
    );
    const confirmed = rows.filter((_, i) => outcomes[i].status === 'fulfilled').map((row) => row.id);
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    this.counts.published += confirmed.length;
    this.counts.failed += rows.length - confirmed.length;
    if (failure)
      this.options.logger.warn(
        { err: failure.reason, failed: rows.length - confirmed.length },
        'notification publish failed; the outbox relay retries',
      );
    if (confirmed.length > 0) await db.notificationOutbox.deleteMany({ where: { id: { in: confirmed } } });
    return { published: confirmed.length, kept: rows.length - confirmed.length };
  }
}

/** Writes staged rows inside the change's interactive transaction. */
export async function recordNotifications(tx: Tx, staged: StagedNotifications | null): Promise<void> {
  if (staged) await tx.notificationOutbox.createMany({ data: staged.rows });
}

/** The write of staged rows, for a batch transaction (`$transaction([...])`). */
export function notificationWrites(db: CellClient, staged: StagedNotifications | null) {
  return staged ? [db.notificationOutbox.createMany({ data: staged.rows })] : [];
}

/** Drops the events held for a compute message, inside the transaction that withdraws it. */
export async function dropHeldNotifications(tx: Tx, heldFor: string): Promise<void> {
  await tx.notificationOutbox.deleteMany({ where: { heldFor } });
}
