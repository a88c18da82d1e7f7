import { PowerState, VmState } from '../../domain/instanceStatus';
import type { CellContext } from './context';
import type { InstanceRow } from './rows';

/**
 * Nova's local delete: an instance with no host has nothing to tear down on a
 * hypervisor, so the cell soft-deletes it directly (deleted = id) and records the
 * action as finished. No message is published.
 */
export async function localDelete(ctx: CellContext, instance: InstanceRow, requestId: string): Promise<InstanceRow> {
  const now = new Date();
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
    ctx.cell.db.instanceAction.create({
      data: {
        action: 'delete',
        instanceUuid: instance.uuid,
        requestId,
        userId: ctx.identity.userId,
        projectId: ctx.identity.projectId,
        startTime: now,
        finishTime: now,
      },
    }),
  ]);
  // Quota lives in the API database: a failed hook is logged, and quota-recount heals it.
  await Promise.resolve(ctx.cell.onInstanceDeleted?.(row)).catch((err) =>
    ctx.cell.logger.error({ err, uuid: row.uuid }, 'onInstanceDeleted hook failed'),
  );
  return row;
}
