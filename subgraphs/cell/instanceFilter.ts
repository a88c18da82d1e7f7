import { Prisma } from '../../prisma/cell/generated/client';
import { badInput, forbidden } from '../../domain/errors';
import type { Identity } from '../../domain/identity';
import { checkText } from '../../domain/inputText';
import { checkPattern } from '../../domain/namePattern';
import { statesFromStatus, VmState } from '../../domain/instanceStatus';

/** The GraphQL InstanceFilter input. */
export interface InstanceFilterInput {
  projectId?: string | null;
  allProjects?: boolean | null;
  status?: string | null;
  host?: string | null;
  name?: string | null;
  changesSince?: Date | null;
  cellUuid?: string | null;
  uuids?: string[] | null;
  userId?: string | null;
  deleted?: boolean | null;
}

/**
 * SQL conditions (ANDed) for a filter, or 'empty' when no row can match (another cell,
 * another project). `pattern` is set when a condition evaluates the caller's regular
 * expression: its statement then runs under the pattern statement_timeout.
 */
export type FilterSql = { kind: 'sql'; conditions: Prisma.Sql[]; pattern?: string } | { kind: 'empty' };

/**
 * Turns the filter and the caller's identity into SQL conditions, as Nova's
 * servers index does: non-admins see only their project (a projectId of another
 * project gives an empty list, as Nova ignores it; allProjects/deleted are refused
 * with FORBIDDEN); admins see their own project unless allProjects or projectId.
 */
export function filterToSql(
  filter: InstanceFilterInput | null | undefined,
  identity: Identity,
  cellUuid: string,
): FilterSql {
  const f = filter ?? {};
  checkFilterText(f);
  const conditions: Prisma.Sql[] = [];
  if (f.cellUuid != null && f.cellUuid !== cellUuid) return { kind: 'empty' };

  if (!identity.isAdmin && f.allProjects)
    throw forbidden('filter.allProjects: only administrators may list every project');
  if (!identity.isAdmin && f.deleted) throw forbidden('filter.deleted: only administrators may list deleted instances');
  if (!identity.isAdmin && f.projectId != null && f.projectId !== identity.projectId) return { kind: 'empty' };
  const projectId = identity.isAdmin
    ? (f.projectId ?? (f.allProjects ? null : identity.projectId))
    : identity.projectId;
  if (projectId !== null) conditions.push(Prisma.sql`project_id = ${projectId}`);

  let includeDeleted = Boolean(f.deleted) || f.changesSince != null;
  if (f.status != null) {
    const { vmStates, taskStates } = statesFromStatus([f.status]);
    if (vmStates.length === 0) return { kind: 'empty' };
    if (vmStates.includes(VmState.DELETED)) {
      if (!identity.isAdmin)
        throw forbidden(`filter.status: only administrators may list ${JSON.stringify(f.status)} instances`);
      includeDeleted = true;
    }
    conditions.push(Prisma.sql`vm_state IN (${Prisma.join(vmStates)})`);
    if (taskStates) conditions.push(Prisma.sql`task_state IN (${Prisma.join(taskStates)})`);
  }
  if (!includeDeleted) conditions.push(Prisma.sql`deleted = 0`);
  if (f.changesSince != null) {
    // Nova compares updated_at; a row never updated counts from its creation.
    conditions.push(
      Prisma.sql`COALESCE(updated_at, created_at) >= CAST(${f.changesSince.toISOString()} AS timestamp(3))`,
    );
  }
  if (f.host != null) conditions.push(Prisma.sql`host = ${f.host}`);
  if (f.userId != null) conditions.push(Prisma.sql`user_id = ${f.userId}`);
  if (f.name != null) conditions.push(Prisma.sql`display_name ~ ${checkPattern('filter.name', f.name)}`);
  if (f.uuids != null) {
    if (f.uuids.length === 0) return { kind: 'empty' };
    if (f.uuids.length > 1000) throw badInput('filter.uuids', `${f.uuids.length} uuids`, 'at most 1000 uuids');
    conditions.push(Prisma.sql`uuid IN (${Prisma.join(f.uuids)})`);
  }
  return { kind: 'sql', conditions, ...(f.name != null ? { pattern: f.name } : {}) };
}

// PostgreSQL refuses a NUL byte (22021) and Node rewrites an unpaired surrogate: both are
// the caller's input, refused before any SQL (the gateway refuses them too).
function checkFilterText(f: InstanceFilterInput): void {
  for (const key of ['projectId', 'status', 'host', 'name', 'cellUuid', 'userId'] as const)
    checkText(`filter.${key}`, f[key]);
  f.uuids?.forEach((uuid, i) => checkText(`filter.uuids[${i}]`, uuid));
}
