import type { ApiClient } from '../../prisma/clients';
import { DEFAULT_QUOTA_CLASS, PROJECT_QUOTAS, USER_QUOTAS } from './catalog';
import { serverAmounts } from '../../domain/quotas/serverAmounts';
import type { PlannedInstance } from './demoFleet';

/** The default quota class, per-project limits and a per-user limit; existing rows stay as they are. */
export async function seedQuotaLimits(api: ApiClient): Promise<void> {
  await api.$transaction([
    api.quotaClass.createMany({
      data: Object.entries(DEFAULT_QUOTA_CLASS).map(([resource, hardLimit]) => ({
        className: 'default',
        resource,
        hardLimit,
      })),
      skipDuplicates: true,
    }),
    api.quota.createMany({
      data: Object.entries(PROJECT_QUOTAS).flatMap(([projectId, limits]) =>
        Object.entries(limits).map(([resource, hardLimit]) => ({ projectId, resource, hardLimit })),
      ),
      skipDuplicates: true,
    }),
    api.projectUserQuota.createMany({
      data: USER_QUOTAS.map((q) => ({
        projectId: q.project,
        userId: q.user,
        resource: q.resource,
        hardLimit: q.hardLimit,
      })),
      skipDuplicates: true,
    }),
  ]);
}

/**
 * instances / cores / ram in use per (project, user): every instance not deleted counts,
 * as in Nova, by the same rule the boot path, releases and quota-recount use (a server
 * buried in cell0 counts as an instance only).
 */
export function usageOf(
  fleet: PlannedInstance[],
): Array<{ projectId: string; userId: string; resource: string; inUse: number }> {
  const totals = new Map<
    string,
    { projectId: string; userId: string; instances: number; cores: number; ram: number }
  >();
  for (const p of fleet) {
    if (p.state === 'deleted') continue;
    const key = `${p.project}\u0000${p.user}`;
    const total = totals.get(key) ?? { projectId: p.project, userId: p.user, instances: 0, cores: 0, ram: 0 };
    const counted = serverAmounts(p.cellName === 'cell0', null, p.flavor);
    total.instances += counted.instances;
    total.cores += counted.cores;
    total.ram += counted.ram;
    totals.set(key, total);
  }
  return [...totals.values()].flatMap((t) =>
    (['instances', 'cores', 'ram'] as const).map((resource) => ({
      projectId: t.projectId,
      userId: t.userId,
      resource,
      inUse: t[resource],
    })),
  );
}

/**
 * Quota usages matching the seeded fleet. Only missing rows are written: once a
 * row exists, servers created and deleted through the API keep it current, and a
 * rerun of the seed must not undo that.
 */
export async function seedQuotaUsages(api: ApiClient, fleet: PlannedInstance[]): Promise<void> {
  await api.quotaUsage.createMany({ data: usageOf(fleet).map((u) => ({ ...u, reserved: 0 })), skipDuplicates: true });
}
