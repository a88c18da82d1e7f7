import type { Prisma } from '../../../prisma/api/generated/client';
import { cellsError, ErrorCode } from '../../../domain/errors';
import {
  BOOT_RESOURCES,
  lockProjectUsage,
  NOTHING,
  shiftUsage,
  times,
  type BootAmounts,
  type UsageScope,
} from '../../../domain/quotas/bootUsage';
import { serversThatFit, type QuotaExceeded, type QuotaHeadroom } from './fitServers';
import { effectiveLimits, usage } from './quotaSet';

/**
 * Reserves instances, cores and ram for as many servers as fit (minCount..maxCount)
 * and answers how many. Runs inside the caller's transaction, after taking the
 * project's usage lock, so concurrent boots of a project are checked one after the
 * other and never both pass the last free slot. Over quota: QUOTA_EXCEEDED, nothing
 * reserved.
 */
export async function reserveServers(
  tx: Prisma.TransactionClient,
  scope: UsageScope,
  perServer: BootAmounts,
  minCount: number,
  maxCount: number,
): Promise<number> {
  await lockProjectUsage(tx, scope.projectId);
  const [projectLimits, userLimits, projectUsed, userUsed] = await Promise.all([
    effectiveLimits(tx, scope.projectId, null),
    effectiveLimits(tx, scope.projectId, scope.userId),
    usage(tx, scope.projectId, null),
    usage(tx, scope.projectId, scope.userId),
  ]);
  const headroom: QuotaHeadroom[] = [];
  for (const resource of BOOT_RESOURCES) {
    headroom.push({
      scope: 'project',
      resource,
      limit: projectLimits.get(resource)!.limit,
      ...(projectUsed.get(resource) ?? { inUse: 0, reserved: 0 }),
    });
    // A user's limit is the project's unless overridden, and a user never uses more than the project.
    const own = userLimits.get(resource)!;
    if (own.source === 'USER')
      headroom.push({
        scope: 'user',
        resource,
        limit: own.limit,
        ...(userUsed.get(resource) ?? { inUse: 0, reserved: 0 }),
      });
  }
  const fit = serversThatFit(headroom, perServer, minCount, maxCount);
  if (!fit.ok) throw quotaExceeded(fit.exceeded);
  await shiftUsage(tx, scope, { reserved: times(perServer, fit.count), inUse: NOTHING });
  return fit.count;
}

function quotaExceeded(e: QuotaExceeded) {
  const used = e.inUse + e.reserved;
  return cellsError(
    ErrorCode.QUOTA_EXCEEDED,
    `Quota exceeded for ${e.resource}${e.scope === 'user' ? ' (user limit)' : ''}: requested ${e.requested}, but already used ${used} of ${e.limit} (in use ${e.inUse}, reserved ${e.reserved})`,
    {
      resource: e.resource,
      scope: e.scope,
      limit: e.limit,
      inUse: e.inUse,
      reserved: e.reserved,
      requested: e.requested,
    },
  );
}
