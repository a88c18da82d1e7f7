import {
  BOOT_RESOURCES,
  lockProjectUsage,
  NOTHING,
  type BootAmounts,
  type BootResource,
} from '../domain/quotas/bootUsage';
import { serverAmounts } from '../domain/quotas/serverAmounts';
import { isCell0 } from '../domain/cell0';
import { withTimeout } from '../infrastructure/withTimeout';
import { listCells, withCell } from './cells';
import { invalidInput, CellsUnavailableError, checkId } from './errors';
import type { ApiClient, ApiTx, CellAccess, CellClient, CellMapping } from './types';

export interface QuotaRecountInput {
  projectId: string;
  /** Only this user's usage; default every user of the project. */
  userId?: string;
  /** Report only: compare, write nothing. */
  dryRun?: boolean;
  /** How long each cell database may take; default 10 000 ms. */
  cellTimeoutMs?: number;
}

export interface QuotaRecountResult {
  projectId: string;
  userId: string | null;
  dryRun: boolean;
  /** Per user and resource: quota_usages before, and the recount (written unless dryRun). */
  rows: RecountRow[];
  drifted: boolean;
  /** Cells asked, with the live instances of the scope each holds. */
  cells: { uuid: string; name: string | null; instances: number }[];
  /** Deletions a cell confirmed whose release had not run: not counted, and (unless dryRun) queued for delete so the late release gives nothing back twice. */
  releasesTakenOver: string[];
}

/**
 * Recomputes a project's instances/cores/ram usage from the cells, as
 * serverAmounts and the boot path count it: a server a cell holds is in use, one
 * still a build request is reserved. Runs in one API transaction holding the
 * project's usage lock, so no boot, settle or release interleaves. Every cell
 * must answer (CellsUnavailableError otherwise, nothing written): a partial
 * recount would undercount.
 */
export async function quotaRecount(
  api: ApiClient,
  access: CellAccess,
  input: QuotaRecountInput,
): Promise<QuotaRecountResult> {
  const scope: ServerScope = {
    projectId: checkId('projectId', input.projectId),
    userId: input.userId === undefined ? null : checkId('userId', input.userId),
  };
  const dryRun = input.dryRun ?? false;
  if (typeof dryRun !== 'boolean') throw invalidInput('dryRun', input.dryRun, 'true or false');
  const timeoutMs = input.cellTimeoutMs ?? 10000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600000)
    throw invalidInput('cellTimeoutMs', input.cellTimeoutMs, 'an integer from 1 to 600000');
  // The lock is held while the cells answer: budget for the slowest and the writes.
  return api.$transaction((tx) => recount(tx, access, scope, dryRun, timeoutMs), {
    maxWait: 10000,
    timeout: timeoutMs + 30000,
  });
}

async function recount(
  tx: ApiTx,
  access: CellAccess,
  scope: ServerScope,
  dryRun: boolean,
  timeoutMs: number,
): Promise<QuotaRecountResult> {
  await lockProjectUsage(tx, scope.projectId);
  const user = scope.userId === null ? {} : { userId: scope.userId };
  const cells = await listCells(tx);
  const mappings = await tx.instanceMapping.findMany({
    where: { projectId: scope.projectId, ...user, queuedForDelete: false, cellId: { not: null } },
    select: { instanceUuid: true, cellId: true },
  });
  const builds = await tx.buildRequest.findMany({
    where: { projectId: scope.projectId, ...user },
    select: { instanceUuid: true, userId: true },
  });
  const specs = await projectSpecs(tx, scope);
  const recorded = await tx.quotaUsage.findMany({
    where: { projectId: scope.projectId, ...user, deleted: 0, resource: { in: [...BOOT_RESOURCES] } },
  });
  const answers = await countCellServers(access, cells, scope, byCell(mappings), timeoutMs);
  const silent = answers.flatMap((a) => (a.ok ? [] : [{ uuid: a.cell.uuid, name: a.cell.name, reason: a.reason }]));
  if (silent.length > 0) throw new CellsUnavailableError(silent, `the quota recount of project ${scope.projectId}`);
  const servers = answers.filter((a): a is Extract<CellServersAnswer, { ok: true }> => a.ok);

  const tally = new UsageTally();
  // A cell may already hold a server whose build request is not settled yet: the
  // settle will move it from reserved to in use, so it counts as reserved until then.
  const pending = new Set(builds.map((b) => b.instanceUuid));
  for (const build of builds)
    tally.add(build.userId ?? '', 'reserved', serverAmounts(false, specs.get(build.instanceUuid)));
  for (const { cell, servers: held } of servers) {
    for (const server of held.live)
      if (!pending.has(server.uuid))
        tally.add(server.userId, 'inUse', serverAmounts(isCell0(cell), specs.get(server.uuid), server));
  }
  const rows = tally.compare(recorded);
  const releasesTakenOver = servers.flatMap((a) => a.servers.deletedUnreleased);
  if (!dryRun) await write(tx, scope.projectId, rows, releasesTakenOver);
  return {
    projectId: scope.projectId,
    userId: scope.userId,
    dryRun,
    rows,
    drifted: rows.some((row) => row.drift),
    cells: servers.map((a) => ({ uuid: a.cell.uuid, name: a.cell.name, instances: a.servers.live.length })),
    releasesTakenOver,
  };
}

// Request specs of the scope's servers, joined through their mappings (one query, any size).
async function projectSpecs(tx: ApiTx, scope: ServerScope): Promise<Map<string, string>> {
  const rows = await tx.$queryRaw<{ instance_uuid: string; spec: string }[]>`
    SELECT rs.instance_uuid, rs.spec FROM request_specs rs JOIN instance_mappings im ON im.instance_uuid = rs.instance_uuid
    WHERE im.project_id = ${scope.projectId} AND NOT im.queued_for_delete AND (${scope.userId}::text IS NULL OR im.user_id = ${scope.userId}::text)`;
  return new Map(rows.map((row) => [row.instance_uuid, row.spec]));
}

function byCell(mappings: { instanceUuid: string; cellId: number | null }[]): Map<number, string[]> {
  const cells = new Map<number, string[]>();
  for (const m of mappings) {
    const uuids = cells.get(m.cellId!) ?? [];
    uuids.push(m.instanceUuid);
    cells.set(m.cellId!, uuids);
  }
  return cells;
}

// Sets the rows that drifted, and creates a drifted user's missing rows (as shiftUsage
// keeps all three); a release that comes late finds its mapping queued.
async function write(tx: ApiTx, projectId: string, rows: RecountRow[], releasesTakenOver: string[]): Promise<void> {
  const now = new Date();
  const drifted = new Set(rows.filter((row) => row.drift).map((row) => row.userId));
  for (const { userId, resource, after } of rows.filter(
    (row) => row.drift || (row.before === null && drifted.has(row.userId)),
  )) {
    await tx.quotaUsage.upsert({
      where: { projectId_userId_resource_deleted: { projectId, userId, resource, deleted: 0 } },
      create: { projectId, userId, resource, ...after, createdAt: now },
      update: { ...after, updatedAt: now },
    });
  }
  if (releasesTakenOver.length > 0) {
    await tx.instanceMapping.updateMany({
      where: { instanceUuid: { in: releasesTakenOver }, queuedForDelete: false },
      data: { queuedForDelete: true, updatedAt: now },
    });
  }
}

/** Whose servers to count: a project, or one user of it. */
export interface ServerScope {
  projectId: string;
  userId: string | null;
}

/** A live instance of the scope, with the sizes its cell row records. */
export interface LiveServer {
  uuid: string;
  userId: string;
  vcpus: number | null;
  memoryMb: number | null;
}

export interface CellServers {
  live: LiveServer[];
  /** Mapped here and not queued for delete, but soft-deleted by the cell: a release not yet run. */
  deletedUnreleased: string[];
}

/** Partial failure is data: each cell answered with its servers, or why not. */
export type CellServersAnswer =
  { ok: true; cell: CellMapping; servers: CellServers } | { ok: false; cell: CellMapping; reason: string };

/**
 * Asks every cell database in parallel for the scope's live instances, and which of
 * `unreleased` (its mappings not queued for delete, by cell id) it has soft-deleted.
 * A cell that fails or takes longer than `timeoutMs` is an `ok: false` answer.
 */
export function countCellServers(
  access: CellAccess,
  cells: CellMapping[],
  scope: ServerScope,
  unreleased: Map<number, string[]>,
  timeoutMs: number,
): Promise<CellServersAnswer[]> {
  return Promise.all(
    cells.map(async (cell): Promise<CellServersAnswer> => {
      try {
        // A black-holed database would hold the project's usage lock; give up on it instead.
        const servers = await withTimeout(
          withCell(access, cell.databaseConnection, (client) =>
            serversOf(client, scope, unreleased.get(cell.id) ?? []),
          ),
          timeoutMs,
        );
        return { ok: true, cell, servers };
      } catch (err) {
        return { ok: false, cell, reason: reasonOf(err) };
      }
    }),
  );
}

async function serversOf(client: CellClient, scope: ServerScope, unreleased: string[]): Promise<CellServers> {
  const rows = await client.instance.findMany({
    where: { projectId: scope.projectId, deleted: 0, ...(scope.userId === null ? {} : { userId: scope.userId }) },
    select: { uuid: true, userId: true, vcpus: true, memoryMb: true },
  });
  const live = new Set(rows.map((row) => row.uuid));
  const gone = unreleased.filter((uuid) => !live.has(uuid));
  // Only a row the cell soft-deleted confirms a deletion; a missing row proves nothing.
  const deleted =
    gone.length === 0
      ? []
      : await client.instance.findMany({ where: { uuid: { in: gone }, deleted: { not: 0 } }, select: { uuid: true } });
  return {
    // quota_usages has no NULL user: a row without one counts for '' as its release does.
    live: rows.map((row) => ({ ...row, userId: row.userId ?? '' })),
    deletedUnreleased: deleted.map((row) => row.uuid),
  };
}

// Prisma's message quotes the calling code first; its last line says what went wrong.
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return (
    err.message
      .split('\n')
      .filter((line) => line.trim() !== '')
      .pop()
      ?.trim() ?? err.name
  );
}

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
