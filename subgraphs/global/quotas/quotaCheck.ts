import type { Prisma } from '../../../prisma/api/generated/client';
import { cellsError, ErrorCode } from '../../../domain/errors';
import { effectiveLimits } from './quotaSet';
import { UNLIMITED } from './quotaResources';

/**
 * Refuses (QUOTA_EXCEEDED) adding `adding` of a counted resource (key pairs, security
 * groups, rules) past the effective limit. Runs inside the transaction that writes and
 * takes a transaction-scoped advisory lock on (resource, scope) before counting, so two
 * concurrent creations cannot both pass the last free slot.
 */
export async function assertWithinQuota(
  tx: Prisma.TransactionClient,
  scope: { projectId: string; userId: string | null },
  resource: string,
  count: () => Promise<number>,
  adding = 1,
): Promise<void> {
  const lockKey = `quota:${resource}:${scope.projectId}:${scope.userId ?? ''}`;
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${lockKey}))::text AS locked`;
  const [limits, current] = [await effectiveLimits(tx, scope.projectId, scope.userId), await count()];
  const limit = limits.get(resource)?.limit ?? UNLIMITED;
  if (limit !== UNLIMITED && current + adding > limit) {
    throw cellsError(
      ErrorCode.QUOTA_EXCEEDED,
      `quota exceeded for ${resource}: limit ${limit}, in use ${current}, requested ${adding}`,
      { resource, limit, inUse: current },
    );
  }
}
