import { PowerState, VmState } from '../../domain/instanceStatus';
import { instantAction } from '../../domain/instanceEvents';
import { notificationWrites } from '../../infrastructure/notifications/notificationOutbox';
import type { CellContext } from './context';
import type { InstanceRow } from './rows';

/**
 * Nova's local delete: an instance with no host has nothing to tear down on a
 * hypervisor, so the cell soft-deletes it directly (deleted = id) and records the
 * action as finished. No message is published; instance.delete.start and .end commit with it.
 */
export async function localDelete(ctx: CellContext, instance: InstanceRow, requestId: string): Promise<InstanceRow> {
  const now = new Date();
  const deleted = { ...instance, vmState: VmState.DELETED, taskState: null, powerState: PowerState.NOSTATE };
  const events = ctx.cell.events.stage(
    instantAction(deleted, { cellUuid: ctx.cell.cellUuid, action: 'delete', requestId, occurredAt: now }),
  );
  const [row] = await ctx.cell.db.$transaction([
    ctx.cell.db.instance.update({
      where: { uuid: instance.uuid },
      data: {
        vmState: VmState.DELETED,
        taskState: null,
        powerState: PowerState.NOSTATE,
        deleted: instance.id,
        deletedAt: now,
        terminatedAt: now,
        updatedAt: now,
      },
    }),
    finishedAction(ctx, instance.uuid, 'delete', requestId, now),
    ...notificationWrites(ctx.cell.db, events),
  ]);
  ctx.cell.events.release(events);
  // Quota lives in the API database: a failed hook is logged, and quota-recount heals it.
  await Promise.resolve(ctx.cell.onInstanceDeleted?.(row)).catch((err) =>
    ctx.cell.logger.error({ err, uuid: row.uuid }, 'onInstanceDeleted hook failed'),
  );
  return row;
}

/**
 * The instance action of an action that finishes as it starts (local delete, lock, unlock),
 * for the transaction that changes the instance.
 */
export function finishedAction(ctx: CellContext, instanceUuid: string, action: string, requestId: string, now: Date) {
  return ctx.cell.db.instanceAction.create({
    data: {
      action,
      instanceUuid,
      requestId,
      userId: ctx.identity.userId,
      projectId: ctx.identity.projectId,
      startTime: now,
      finishTime: now,
    },
  });
}
