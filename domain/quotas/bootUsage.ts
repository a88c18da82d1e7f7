import type { Prisma } from '../../prisma/api/generated/client';

/** The resources a server counts against, as Nova's instances / cores / ram quotas. */
export const BOOT_RESOURCES = ['instances', 'cores', 'ram'] as const;
export type BootResource = (typeof BOOT_RESOURCES)[number];

/** How much of each boot resource one server (or a set of them) counts. */
export type BootAmounts = Record<BootResource, number>;

export const NOTHING: BootAmounts = { instances: 0, cores: 0, ram: 0 };

/** What one server of a flavor counts while it lives on a host. */
export function amountsOf(flavor: { vcpus: number; memoryMb: number }): BootAmounts {
  return { instances: 1, cores: flavor.vcpus, ram: flavor.memoryMb };
}

/** What a server buried in cell0 counts: itself, but no host holds its cores or ram. */
export const BURIED: BootAmounts = { instances: 1, cores: 0, ram: 0 };

export function times(amounts: BootAmounts, n: number): BootAmounts {
  return { instances: amounts.instances * n, cores: amounts.cores * n, ram: amounts.ram * n };
}

export interface UsageScope {
  projectId: string;
  userId: string;
}

/**
 * Serialises quota changes of one project for the rest of the transaction: reservations,
 * the move from reserved to in use, releases and recounts all take it, so a check and
 * the write that follows it cannot interleave with another.
 */
export async function lockProjectUsage(tx: Prisma.TransactionClient, projectId: string): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`quota:boot:${projectId}`}))::text AS locked`;
}

/**
 * Adds `reserved` and `inUse` (either may be negative) to the user's rows, creating
 * missing rows first; a column never goes below zero, so a late or repeated release
 * cannot make usage negative.
 */
export async function shiftUsage(
  tx: Prisma.TransactionClient,
  scope: UsageScope,
  change: { reserved: BootAmounts; inUse: BootAmounts },
): Promise<void> {
  const { reserved: r, inUse: u } = change;
  await tx.$executeRaw`
    INSERT INTO quota_usages (project_id, user_id, resource, in_use, reserved, created_at, deleted)
    SELECT ${scope.projectId}, ${scope.userId}, resource, 0, 0, now(), 0 FROM unnest(ARRAY['instances', 'cores', 'ram']) AS resource
    ON CONFLICT (project_id, user_id, resource, deleted) DO NOTHING`;
  await tx.$executeRaw`
    UPDATE quota_usages
    SET in_use = GREATEST(in_use + CASE resource WHEN 'instances' THEN ${u.instances}::int WHEN 'cores' THEN ${u.cores}::int ELSE ${u.ram}::int END, 0),
        reserved = GREATEST(reserved + CASE resource WHEN 'instances' THEN ${r.instances}::int WHEN 'cores' THEN ${r.cores}::int ELSE ${r.ram}::int END, 0),
        updated_at = now()
    WHERE project_id = ${scope.projectId} AND user_id = ${scope.userId} AND deleted = 0 AND resource IN ('instances', 'cores', 'ram')`;
}

/** The negation of `amounts`, for taking back what was added. */
export function negate(amounts: BootAmounts): BootAmounts {
  return { instances: -amounts.instances, cores: -amounts.cores, ram: -amounts.ram };
}
