import { BOOT_RESOURCES, lockProjectUsage } from '../domain/quotas/bootUsage';
import { serverAmounts } from '../domain/quotas/serverAmounts';
import { isCell0 } from '../domain/cell0';
import { countCellServers, type CellServersAnswer, type ServerScope } from './countCellServers';
import { badInput, CellsUnavailableError } from './errors';
import { listCells } from './listCells';
import type { ApiClient, ApiTx, CellAccess } from './types';
import { UsageTally, type RecountRow } from './usageTally';
import { checkId } from './validation';

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
  if (typeof dryRun !== 'boolean') throw badInput('dryRun', input.dryRun, 'true or false');
  const timeoutMs = input.cellTimeoutMs ?? 10000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600000)
    throw badInput('cellTimeoutMs', input.cellTimeoutMs, 'an integer from 1 to 600000');
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
