import type { Prisma } from '../../../prisma/api/generated/client';
import type { ApiClient } from '../../../prisma/clients';
import { DEFAULT_CLASS, DEFAULT_LIMITS, RESOURCES, UNLIMITED } from './quotaResources';

export type QuotaSource = 'USER' | 'PROJECT' | 'CLASS' | 'DEFAULT';
type Db = ApiClient | Prisma.TransactionClient;

export interface EffectiveLimit {
  limit: number;
  source: QuotaSource;
}

export interface QuotaResourceRow extends EffectiveLimit {
  resource: string;
  inUse: number;
  reserved: number;
  remaining: number | null;
}

export interface QuotaSetRow {
  projectId: string;
  userId: string | null;
  resources: QuotaResourceRow[];
}

/** Limits of a class, falling back to the built-in defaults per resource. */
export async function classLimits(db: Db, className: string): Promise<Map<string, EffectiveLimit>> {
  const rows = await db.quotaClass.findMany({ where: { className } });
  const set = new Map(rows.filter((r) => r.hardLimit !== null).map((r) => [r.resource, r.hardLimit as number]));
  return new Map(
    RESOURCES.map((resource) => [
      resource,
      set.has(resource)
        ? { limit: set.get(resource)!, source: 'CLASS' as const }
        : { limit: DEFAULT_LIMITS[resource], source: 'DEFAULT' as const },
    ]),
  );
}

/** Effective limits: the user's override, else the project's, else class `default`, else built-in. */
export async function effectiveLimits(
  db: Db,
  projectId: string,
  userId: string | null,
): Promise<Map<string, EffectiveLimit>> {
  const [defaults, projectRows, userRows] = await Promise.all([
    classLimits(db, DEFAULT_CLASS),
    db.quota.findMany({ where: { projectId } }),
    userId ? db.projectUserQuota.findMany({ where: { projectId, userId } }) : Promise.resolve([]),
  ]);
  const limits = new Map(defaults);
  for (const row of projectRows)
    if (row.hardLimit !== null) limits.set(row.resource, { limit: row.hardLimit, source: 'PROJECT' });
  for (const row of userRows)
    if (row.hardLimit !== null) limits.set(row.resource, { limit: row.hardLimit, source: 'USER' });
  return limits;
}

/** In-use and reserved counts from quota_usages, summed over the project's users (or one user's). */
export async function usage(
  db: Db,
  projectId: string,
  userId: string | null,
): Promise<Map<string, { inUse: number; reserved: number }>> {
  const sums = await db.quotaUsage.groupBy({
    by: ['resource'],
    where: { projectId, deleted: 0, ...(userId ? { userId } : {}) },
    _sum: { inUse: true, reserved: true },
  });
  return new Map(sums.map((s) => [s.resource, { inUse: s._sum.inUse ?? 0, reserved: s._sum.reserved ?? 0 }]));
}

/** The quota set a GraphQL QuotaSet is built from. */
export async function loadQuotaSet(db: Db, projectId: string, userId: string | null): Promise<QuotaSetRow> {
  const [limits, used] = await Promise.all([effectiveLimits(db, projectId, userId), usage(db, projectId, userId)]);
  const resources = RESOURCES.map((resource) => {
    const { limit, source } = limits.get(resource)!;
    const { inUse, reserved } = used.get(resource) ?? { inUse: 0, reserved: 0 };
    const remaining = limit === UNLIMITED ? null : Math.max(0, limit - inUse - reserved);
    return { resource, limit, source, inUse, reserved, remaining };
  });
  return { projectId, userId, resources };
}
