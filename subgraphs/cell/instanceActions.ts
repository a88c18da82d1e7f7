import { randomUUID } from 'node:crypto';
import type { ComputeMessage } from '../../domain/computeMessages';
import { cellsError, conflict, ErrorCode, forbidden } from '../../domain/errors';
import { ruleFor, stateRefusal, type ActionName, type ActionRule } from './actionRules';
import type { CellContext } from './context';
import { visibleInstance } from './instanceAccess';
import { finishedAction, localDelete } from './localDelete';
import { outboxLeaseMs, recordOutbox, settleOutbox, withdrawAction, type OutboxEntry } from './computeOutbox';
import { PublishFailure } from './queue';
import type { InstanceRow } from './rows';
import { INSTANCE_UPDATE, instanceEvent, instantAction } from '../../domain/instanceEvents';
import {
  notificationWrites,
  recordNotifications,
  type StagedNotifications,
} from '../../infrastructure/notifications/notificationOutbox';

export interface ActionPayload {
  instance: InstanceRow;
  requestId: string;
  action: ActionName;
}

export interface ActionOptions {
  hard?: boolean;
  reason?: string | null;
}

/**
 * Runs one instance action as Nova's compute API does: check lock and state (a refusal
 * changes nothing), make sure the broker can take a message now (a broker that is down
 * or blocked refuses the action with nothing written), then in one transaction set the
 * task state, record the instance action and its message in the outbox, publish it to
 * compute.<host> and wait for the broker's confirm.
 *
 * If the publish fails (no queue for the host, a nack, no confirm in time, the link
 * lost), the action is withdrawn as far as it is still ours (computeOutbox.ts) and the
 * caller gets the publish's fixed error. If the agent got the message anyway (a lost
 * confirm) the action stands and the caller gets it. If this process dies in between,
 * the outbox relay publishes the message: there is never an action without its message
 * nor a message without its action.
 *
 * The task state change is reported (instance.update), written with the change and
 * published before the message (waiting at most the publish budget for its confirm, and
 * never failing the action over it): the broker has it before the compute agent can
 * start, so every subscriber sees it before the agent's events. A withdrawal reports the
 * task state it puts back (computeOutbox.ts). Lock and unlock report
 * instance.lock|unlock.start and .end at once.
 */
export async function runAction(
  ctx: CellContext,
  uuid: string,
  action: ActionName,
  options: ActionOptions = {},
): Promise<ActionPayload> {
  const rule = ruleFor(action, options.hard ?? false);
  const instance = await visibleInstance(ctx, uuid);
  checkAllowed(ctx, instance, action, rule);
  const requestId = `req-${randomUUID()}`;
  switch (action) {
    case 'lock':
    case 'unlock':
      return { instance: await setLock(ctx, instance, action, requestId, options.reason ?? null), requestId, action };
    case 'delete':
      // An instance that never reached a host (cell0, ERROR before scheduling) is deleted here, as Nova does.
      if (!instance.host) return { instance: await localDelete(ctx, instance, requestId), requestId, action };
      break;
    case 'reboot':
    case 'stop':
    case 'start':
    case 'pause':
    case 'unpause':
    case 'suspend':
    case 'resume':
      if (!instance.host) throw invalidState(action, instance, 'host', null);
      break;
    default:
      return assertNever(action);
  }
  const message: ComputeMessage = {
    method: rule.method!,
    instanceUuid: instance.uuid,
    requestId,
    host: instance.host!,
    ...(action === 'reboot' ? { rebootType: options.hard ? ('HARD' as const) : ('SOFT' as const) } : {}),
    sentAt: new Date().toISOString(),
  };
  const queue = ctx.cell.queue;
  const log = { requestId: ctx.requestId, actionRequestId: requestId, uuid };
  await queue.ready({ requestId: ctx.requestId });
  const { entry, events } = await beginTask(ctx, instance, action, rule, message, outboxLeaseMs(queue.timeoutMs));
  await ctx.cell.events.releaseBefore(events, queue.timeoutMs);
  try {
    await queue.publish(message, { requestId: ctx.requestId });
  } catch (err) {
    const withdrawal = await withdrawAction(ctx.cell, entry).catch((withdrawError) => {
      // The row stays in the outbox: the relay publishes it once its lease runs out.
      ctx.cell.logger.error(
        { ...log, err: withdrawError },
        'could not withdraw an action whose publish failed; the outbox relay will publish it',
      );
      return 'failed' as const;
    });
    if (withdrawal !== 'delivered') throw err;
    ctx.cell.logger.warn(
      { ...log, reason: err instanceof PublishFailure ? err.reason : undefined },
      'the broker did not confirm, but the compute agent has the action: it stands',
    );
  }
  await settleOutbox(ctx.cell.db, entry).catch((err) =>
    ctx.cell.logger.warn(
      { ...log, err },
      'could not drop a published outbox row; the relay will publish it again (harmless)',
    ),
  );
  // The row as this action left it; the agent may already be further along.
  return { instance: { ...instance, taskState: rule.taskState, updatedAt: entry.writtenAt }, requestId, action };
}

function checkAllowed(ctx: CellContext, instance: InstanceRow, action: ActionName, rule: ActionRule): void {
  if (rule.lockChecked && instance.locked && !ctx.identity.isAdmin) {
    throw cellsError(ErrorCode.INSTANCE_LOCKED, `Instance ${instance.uuid} is locked; cannot '${action}' it`, {
      uuid: instance.uuid,
    });
  }
  const refusal = stateRefusal(rule, instance.vmState, instance.taskState);
  if (refusal) throw invalidState(action, instance, refusal.attr, refusal.state);
}

function invalidState(action: ActionName, instance: InstanceRow, attr: string, state: string | null) {
  return cellsError(
    ErrorCode.INVALID_STATE,
    `Cannot '${action}' instance ${instance.uuid} while it is in ${attr} ${state ?? 'None'}`,
    {
      uuid: instance.uuid,
      attr,
      state,
      action,
    },
  );
}

// The task state only moves if nobody else moved it since we read it (Nova's expected_task_state).
async function beginTask(
  ctx: CellContext,
  instance: InstanceRow,
  action: ActionName,
  rule: ActionRule,
  message: ComputeMessage,
  leaseMs: number,
): Promise<{ entry: OutboxEntry; events: StagedNotifications | null }> {
  return ctx.cell.db.$transaction(async (tx) => {
    const writtenAt = new Date();
    const moved = await tx.instance.updateMany({
      where: { uuid: instance.uuid, vmState: instance.vmState, taskState: instance.taskState, deleted: 0 },
      data: { taskState: rule.taskState, updatedAt: writtenAt },
    });
    if (moved.count !== 1)
      throw conflict(`instance ${instance.uuid} changed while '${action}' was being started; try again`, {
        uuid: instance.uuid,
      });
    const created = await tx.instanceAction.create({
      data: {
        action,
        instanceUuid: instance.uuid,
        requestId: message.requestId,
        userId: ctx.identity.userId,
        projectId: ctx.identity.projectId,
        startTime: writtenAt,
      },
    });
    const entry: OutboxEntry = {
      requestId: message.requestId,
      instanceUuid: instance.uuid,
      actionId: created.id,
      message,
      taskState: rule.taskState,
      previousTaskState: instance.taskState,
      writtenAt,
      claim: randomUUID(),
    };
    await recordOutbox(tx, entry, leaseMs);
    const events = ctx.cell.events.stage([
      instanceEvent(
        { ...instance, taskState: rule.taskState },
        {
          cellUuid: ctx.cell.cellUuid,
          eventType: INSTANCE_UPDATE,
          action: null,
          requestId: message.requestId,
          occurredAt: writtenAt,
        },
      ),
    ]);
    await recordNotifications(tx, events);
    return { entry, events };
  });
}

async function setLock(
  ctx: CellContext,
  instance: InstanceRow,
  action: 'lock' | 'unlock',
  requestId: string,
  reason: string | null,
): Promise<InstanceRow> {
  const isOwner = instance.projectId === ctx.identity.projectId;
  // Nova: a lock an admin placed on someone else's instance only an admin may lift.
  if (action === 'unlock' && instance.lockedBy === 'admin' && !ctx.identity.isAdmin)
    throw forbidden(`instance ${instance.uuid} was locked by an administrator`);
  const now = new Date();
  const events = ctx.cell.events.stage(
    instantAction(instance, { cellUuid: ctx.cell.cellUuid, action, requestId, occurredAt: now }),
  );
  const [row] = await ctx.cell.db.$transaction([
    ctx.cell.db.instance.update({
      where: { uuid: instance.uuid },
      data:
        action === 'lock'
          ? { locked: true, lockedBy: isOwner ? 'owner' : 'admin', updatedAt: now }
          : { locked: false, lockedBy: null, updatedAt: now },
    }),
    ctx.cell.db.instanceSystemMetadata.deleteMany({ where: { instanceUuid: instance.uuid, key: 'locked_reason' } }),
    ...(action === 'lock' && reason
      ? [
          ctx.cell.db.instanceSystemMetadata.create({
            data: { instanceUuid: instance.uuid, key: 'locked_reason', value: reason.slice(0, 255) },
          }),
        ]
      : []),
    finishedAction(ctx, instance.uuid, action, requestId, now),
    ...notificationWrites(ctx.cell.db, events),
  ]);
  ctx.cell.events.release(events);
  return row;
}

function assertNever(value: never): never {
  throw new Error(`unhandled action ${String(value)}`);
}
