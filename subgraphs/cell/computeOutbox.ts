import { randomUUID } from 'node:crypto';
import type { CellClient } from '../../prisma/clients';
import { parseComputeMessage, type ComputeMessage } from '../../domain/computeMessages';
import type { Logger } from '../../infrastructure/logger';
import { PublishFailure, type CellQueue } from './queue';
import { VmState } from '../../domain/instanceStatus';
import { actionEventType, INSTANCE_UPDATE, instanceEvent } from '../../domain/instanceEvents';
import {
  dropHeldNotifications,
  recordNotifications,
  type NotificationOutbox,
  type StagedNotifications,
} from '../../infrastructure/notifications/notificationOutbox';

/**
 * The transactional outbox of instance actions and builds. An action's compute message is
 * written in the transaction that sets the task state and records the action (a build's:
 * the one that writes the instance and its `create` action), then published;
 * the row goes once the broker confirmed it. So whatever fails in between, an action
 * never lacks its message:
 *
 * - the publish fails: the request withdraws the action (withdrawAction), but only
 *   what is still exactly as it wrote it, and never what the compute agent started;
 * - the process dies between the commit and the confirm: the row outlives its lease
 *   and the relay (relayOutbox) publishes it. The agent is idempotent by request id,
 *   so a message published twice is applied once.
 *
 * An action's instance.update is published before its message (instanceActions.ts); a
 * withdrawal that puts the task state back reports that with its own instance.update. A
 * build's notification is held for its row (notification_outbox.held_for): it goes out
 * once the message is settled, and a build taken back deletes it, so nobody is told of a
 * server the cell does not keep.
 */

/** What a withdrawal compares before it undoes anything: the row as the action left it. */
export interface OutboxEntry {
  requestId: string;
  instanceUuid: string;
  actionId: number;
  message: ComputeMessage;
  /** The task state the action set, and the one it replaced. */
  taskState: string | null;
  previousTaskState: string | null;
  /** The updated_at the action wrote: the instance's version when nobody touched it since. */
  writtenAt: Date;
  /** Who holds the row: the request that wrote it, or the relay that took it over. */
  claim: string;
}

type Tx = Parameters<Parameters<CellClient['$transaction']>[0]>[0];

/** How long the writer owns its row: a publish (with its one retry) and a withdrawal fit well within. */
export function outboxLeaseMs(publishTimeoutMs: number): number {
  return 2 * publishTimeoutMs + 10000;
}

/** Writes `entry` inside the action's transaction; its writer holds it for `leaseMs`. */
export async function recordOutbox(tx: Tx, entry: OutboxEntry, leaseMs: number): Promise<void> {
  await tx.computeOutbox.create({
    data: {
      requestId: entry.requestId,
      instanceUuid: entry.instanceUuid,
      actionId: entry.actionId,
      message: JSON.stringify(entry.message),
      taskState: entry.taskState,
      previousTaskState: entry.previousTaskState,
      writtenAt: entry.writtenAt,
      claim: entry.claim,
      claimedUntil: new Date(entry.writtenAt.getTime() + leaseMs),
    },
  });
}

/** After the confirm: the row goes. If this fails the relay publishes a duplicate later, which is harmless. */
export async function settleOutbox(db: CellClient, entry: Pick<OutboxEntry, 'requestId' | 'claim'>): Promise<void> {
  await db.computeOutbox.deleteMany({ where: { requestId: entry.requestId, claim: entry.claim } });
}

/**
 * What a withdrawal found: `withdrawn` (the action, its row and its task state are
 * undone); `delivered` (the agent already started it: nothing undone, the action
 * stands); `taken` (the row is no longer this claimer's: the relay owns it).
 */
export type Withdrawal = 'withdrawn' | 'delivered' | 'taken';

/**
 * Undoes an action whose message did not get through, in one transaction and only as
 * far as it is still ours. The action row is locked first: the agent's event insert
 * needs a key-share lock on it, so either its event is committed (and seen here: the
 * action stands) or it waits and then fails on the missing action (an orphan). The
 * instance's task state is put back only if it is still the one this action wrote, at
 * the updated_at it wrote; updated_at then moves forward, never back.
 */
export async function withdrawAction(
  runtime: Pick<RelayRuntime, 'db' | 'events' | 'cellUuid'>,
  entry: OutboxEntry,
): Promise<Withdrawal> {
  let staged: StagedNotifications | null = null;
  const outcome = await runtime.db.$transaction(async (tx) => {
    const held = await takeBack(tx, entry);
    if (held === 'taken' || held === 'delivered') return held;
    if (held === 'gone') return 'withdrawn';
    const updatedAt = new Date(Math.max(Date.now(), entry.writtenAt.getTime() + 1));
    const restored = await tx.instance.updateMany({
      where: { uuid: entry.instanceUuid, taskState: entry.taskState, updatedAt: entry.writtenAt, deleted: 0 },
      data: { taskState: entry.previousTaskState, updatedAt },
    });
    await tx.instanceAction.delete({ where: { id: entry.actionId } });
    const instance =
      restored.count === 1 ? await tx.instance.findUnique({ where: { uuid: entry.instanceUuid } }) : null;
    if (instance) {
      staged = runtime.events.stage([
        instanceEvent(instance, {
          cellUuid: runtime.cellUuid,
          eventType: INSTANCE_UPDATE,
          action: null,
          requestId: entry.requestId,
          occurredAt: updatedAt,
        }),
      ]);
      await recordNotifications(tx, staged);
    }
    return 'withdrawn' as const;
  });
  runtime.events.release(staged);
  return outcome;
}

/**
 * The common start of every withdrawal, inside its transaction: drop the row if it is
 * still this claimer's (else `taken`), then lock the action (`gone` if it is not there)
 * and look for the agent's event (`delivered`). `ours`: nothing started, undo it.
 */
export async function takeBack(
  tx: Tx,
  entry: Pick<OutboxEntry, 'requestId' | 'claim' | 'actionId'>,
): Promise<'ours' | 'gone' | 'taken' | 'delivered'> {
  const mine = await tx.computeOutbox.deleteMany({ where: { requestId: entry.requestId, claim: entry.claim } });
  if (mine.count !== 1) return 'taken';
  const locked = await tx.$queryRaw<
    { id: number }[]
  >`SELECT id FROM instance_actions WHERE id = ${entry.actionId} FOR UPDATE`;
  if (locked.length === 0) return 'gone';
  if ((await tx.instanceActionEvent.count({ where: { actionId: entry.actionId } })) > 0) return 'delivered';
  return 'ours';
}

/** The outbox key of a build: one per instance (builds are idempotent by uuid; the scheduler shares one request id among a request's servers). */
export function buildOutboxKey(instanceUuid: string): string {
  return `build-${instanceUuid}`;
}

/**
 * The relay's withdrawal of a build its host refused, after the request that wrote it
 * died: the build fails as Nova's does on the compute host (vm_state error, a fault, the
 * create action finished in Error), which also frees its claim on the host. Its
 * notifications (instance.update in ERROR, instance.create.error) commit with it; the
 * instance.update of its creation, held for the build's message, then goes out before them.
 */
export async function failBuild(
  runtime: Pick<RelayRuntime, 'db' | 'events' | 'cellUuid'>,
  entry: OutboxEntry,
  why: string,
): Promise<Withdrawal> {
  let staged: StagedNotifications | null = null;
  const outcome = await runtime.db.$transaction(async (tx) => {
    const held = await takeBack(tx, entry);
    if (held === 'gone') await dropHeldNotifications(tx, entry.requestId);
    if (held === 'gone') return 'withdrawn';
    if (held !== 'ours') return held;
    const now = new Date();
    const failed = await tx.instance.updateMany({
      where: {
        uuid: entry.instanceUuid,
        vmState: VmState.BUILDING,
        taskState: entry.taskState,
        launchedAt: null,
        deleted: 0,
      },
      data: { vmState: VmState.ERROR, taskState: null, updatedAt: now },
    });
    if (failed.count === 1) {
      await tx.instanceFault.create({
        data: {
          instanceUuid: entry.instanceUuid,
          code: 500,
          message: `Build of instance ${entry.instanceUuid} aborted: ${why}`.slice(0, 255),
          details: null,
          host: entry.message.host,
        },
      });
    }
    await tx.instanceAction.update({
      where: { id: entry.actionId },
      data: { finishTime: now, message: 'Error', updatedAt: now },
    });
    const instance = await tx.instance.findUnique({ where: { uuid: entry.instanceUuid } });
    if (instance && failed.count === 1) {
      const what = { cellUuid: runtime.cellUuid, requestId: entry.message.requestId, occurredAt: now };
      staged = runtime.events.stage([
        instanceEvent(instance, { ...what, eventType: INSTANCE_UPDATE, action: null }),
        instanceEvent(instance, { ...what, eventType: actionEventType('create', 'error'), action: 'create' }),
      ]);
      await recordNotifications(tx, staged);
    }
    return 'withdrawn' as const;
  });
  runtime.events.release(staged);
  return outcome;
}

export interface RelayRuntime {
  db: CellClient;
  queue: CellQueue;
  logger: Logger;
  /** The cell's notifications: a build the relay fails reports it. */
  events: NotificationOutbox;
  cellUuid: string;
}

/** What one relay pass did with the rows whose lease ran out. */
export interface RelayPass {
  published: number;
  withdrawn: number;
  /** Left for a later pass: the broker is unavailable now. */
  kept: number;
}

/**
 * One pass of the relay: takes over every row whose lease ran out (its writer died or
 * lost its database), publishes its message and drops the row. A host that refuses it
 * (no queue, a nack) withdraws the action as the request would have; a broker that is
 * down leaves the row for the next pass. Several subgraphs of one cell may run it: a
 * row is taken with a compare-and-set on its claim.
 */
export async function relayOutbox(
  runtime: RelayRuntime,
  options: { leaseMs: number; batch?: number },
): Promise<RelayPass> {
  const pass: RelayPass = { published: 0, withdrawn: 0, kept: 0 };
  const now = new Date();
  const stale = await runtime.db.computeOutbox.findMany({
    where: { claimedUntil: { lt: now } },
    orderBy: { id: 'asc' },
    take: options.batch ?? 50,
  });
  if (stale.length === 0) return pass;
  try {
    await runtime.queue.ready({ requestId: 'outbox-relay' });
  } catch {
    pass.kept = stale.length;
    return pass;
  }
  for (const row of stale) {
    const claim = randomUUID();
    const taken = await runtime.db.computeOutbox.updateMany({
      where: { id: row.id, claim: row.claim },
      data: { claim, claimedUntil: new Date(Date.now() + options.leaseMs), attempts: { increment: 1 } },
    });
    if (taken.count !== 1) continue;
    const message = parseComputeMessage(Buffer.from(row.message));
    if (message instanceof Error) {
      runtime.logger.error(
        { err: message, requestId: row.requestId },
        'dropping an outbox row that holds no compute message',
      );
      await runtime.db.computeOutbox.deleteMany({ where: { id: row.id, claim } });
      continue;
    }
    const entry: OutboxEntry = {
      requestId: row.requestId,
      instanceUuid: row.instanceUuid,
      actionId: row.actionId,
      message,
      taskState: row.taskState,
      previousTaskState: row.previousTaskState,
      writtenAt: row.writtenAt,
      claim,
    };
    try {
      await runtime.queue.publish(message, { requestId: 'outbox-relay' });
      await settleOutbox(runtime.db, entry);
      pass.published++;
      runtime.logger.info(
        { requestId: row.requestId, uuid: row.instanceUuid, attempts: row.attempts + 1 },
        'outbox relay published an action the request could not confirm',
      );
    } catch (err) {
      if (err instanceof PublishFailure && err.refusedForHost) {
        // A build is not undone: the scheduler may already have moved on or mapped the server here, so it fails in ERROR instead.
        const outcome =
          entry.message.method === 'build_and_run_instance'
            ? await failBuild(runtime, entry, err.message)
            : await withdrawAction(runtime, entry);
        if (outcome === 'withdrawn') pass.withdrawn++;
        runtime.logger.warn(
          { requestId: row.requestId, uuid: row.instanceUuid, reason: err.reason, outcome },
          'outbox relay withdrew an action its host refused',
        );
      } else {
        pass.kept++;
      }
    }
  }
  return pass;
}

/** Runs relayOutbox at start and then every `intervalMs`; the returned function stops it. */
export function startOutboxRelay(
  runtime: RelayRuntime,
  options: { intervalMs: number; leaseMs: number },
): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    timer = null;
    running = relayOutbox(runtime, { leaseMs: options.leaseMs })
      .catch((err) => runtime.logger.warn({ err }, 'outbox relay pass failed; the next one retries'))
      .finally(() => {
        if (!stopped) schedule(options.intervalMs);
      });
  };
  const schedule = (ms: number) => {
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  // At once: rows a previous process of this cell left behind are the likeliest right after a restart.
  schedule(0);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
