import { BOOT_RESOURCES, type BootAmounts, type BootResource } from '../../../domain/quotas/bootUsage';
import { UNLIMITED } from './quotaResources';

/** One limit to respect: a project's, or a user's own override. */
export interface QuotaHeadroom {
  scope: 'project' | 'user';
  resource: BootResource;
  limit: number;
  inUse: number;
  reserved: number;
}

export interface QuotaExceeded extends QuotaHeadroom {
  /** What the smallest acceptable request (minCount servers) needed of the resource. */
  requested: number;
}

export type Fit = { ok: true; count: number } | { ok: false; exceeded: QuotaExceeded };

/**
 * Nova's multi-create rule: as many servers as fit every limit, at most maxCount; if
 * fewer than minCount fit, none. Unlimited limits and resources a server does not
 * use never constrain.
 */
export function serversThatFit(
  headroom: QuotaHeadroom[],
  perServer: BootAmounts,
  minCount: number,
  maxCount: number,
): Fit {
  let count = maxCount;
  for (const h of headroom) {
    const each = perServer[h.resource];
    if (h.limit === UNLIMITED || each <= 0) continue;
    count = Math.min(count, Math.max(0, Math.floor((h.limit - h.inUse - h.reserved) / each)));
  }
  if (count >= minCount) return { ok: true, count };
  // Name the first limit (projects before users, in resource order) that minCount breaks.
  const order = (h: QuotaHeadroom) => (h.scope === 'project' ? 0 : 10) + BOOT_RESOURCES.indexOf(h.resource);
  const broken = [...headroom]
    .sort((a, b) => order(a) - order(b))
    .find((h) => h.limit !== UNLIMITED && h.inUse + h.reserved + perServer[h.resource] * minCount > h.limit)!;
  return { ok: false, exceeded: { ...broken, requested: perServer[broken.resource] * minCount } };
}
