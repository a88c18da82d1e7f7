import { BOOT_RESOURCES, NOTHING, type BootAmounts, type BootResource } from '../domain/quotas/bootUsage';

/** One quota_usages row's two counters. */
export interface UsageCount {
  inUse: number;
  reserved: number;
}

/** One user's resource: what quota_usages held (null: no row) and what the recount found. */
export interface RecountRow {
  userId: string;
  resource: BootResource;
  before: UsageCount | null;
  after: UsageCount;
  drift: boolean;
}

/** A quota_usages row as the recount reads it. */
export interface RecordedUsage extends UsageCount {
  userId: string;
  resource: string;
}

/**
 * Per-user sums of what servers count: in use (a cell holds them) or reserved (accepted,
 * still a build request), the two columns of quota_usages.
 */
export class UsageTally {
  private readonly users = new Map<string, { inUse: BootAmounts; reserved: BootAmounts }>();

  add(userId: string, column: keyof UsageCount, amounts: BootAmounts): void {
    const user = this.users.get(userId) ?? { inUse: NOTHING, reserved: NOTHING };
    const sum = user[column];
    user[column] = {
      instances: sum.instances + amounts.instances,
      cores: sum.cores + amounts.cores,
      ram: sum.ram + amounts.ram,
    };
    this.users.set(userId, user);
  }

  /**
   * One row per user and resource, users in order: every user that has a row recorded
   * or anything counted, so usage recorded for a user with no servers shows as drift.
   */
  compare(recorded: RecordedUsage[]): RecountRow[] {
    const before = new Map(
      recorded.map((row) => [`${row.userId}\u0000${row.resource}`, { inUse: row.inUse, reserved: row.reserved }]),
    );
    const userIds = [...new Set([...recorded.map((row) => row.userId), ...this.users.keys()])].sort();
    return userIds.flatMap((userId) =>
      BOOT_RESOURCES.map((resource) => {
        const was = before.get(`${userId}\u0000${resource}`) ?? null;
        const counted = this.users.get(userId);
        const after = { inUse: counted?.inUse[resource] ?? 0, reserved: counted?.reserved[resource] ?? 0 };
        const drift = (was?.inUse ?? 0) !== after.inUse || (was?.reserved ?? 0) !== after.reserved;
        return { userId, resource, before: was, after, drift };
      }),
    );
  }
}
