import { badInput, forbidden } from '../../domain/errors';
import { ID_PATTERN, type Identity } from '../../domain/identity';
import { isUuid } from '../../domain/inputText';

/** The contract's InstanceEventFilter, as GraphQL coerced it. */
export interface InstanceEventFilter {
  projectId?: string | null;
  uuids?: string[] | null;
  allProjects?: boolean | null;
}

/** Which events one subscriber may receive and asked for. */
export interface EventScope {
  /** The one project whose events it gets; null: every project (an admin's allProjects). */
  projectId: string | null;
  /** Only these instances; null: every instance of the scope. */
  uuids: ReadonlySet<string> | null;
}

/** The most uuids one subscription may name (as a list's filter.uuids). */
export const MAX_UUIDS = 1000;

/**
 * The scope of a subscription, exactly as instance lists scope theirs (nova's servers
 * index): a non-admin gets its own project only; an admin gets its own project, or
 * `projectId`, or every project with `allProjects` (projectId wins when both are given).
 * Where a list answers nothing for a value it ignores, a subscription (which would wait
 * for ever) refuses it: another project's id from a non-admin, allProjects from a
 * non-admin, an empty `uuids`. Every refusal names the field and the value.
 */
export function scopeOf(identity: Identity, filter: InstanceEventFilter | null | undefined): EventScope {
  const f = filter ?? {};
  if (f.projectId != null) {
    if (!ID_PATTERN.test(f.projectId))
      throw badInput('filter.projectId', f.projectId, `a project id matching ${ID_PATTERN.source}`);
    if (!identity.isAdmin && f.projectId !== identity.projectId)
      throw forbidden(
        `filter.projectId: only administrators may subscribe to another project's events, got ${JSON.stringify(f.projectId)}`,
      );
  }
  if (f.allProjects === true && !identity.isAdmin)
    throw forbidden('filter.allProjects: only administrators may subscribe to every project');
  let uuids: Set<string> | null = null;
  if (f.uuids != null) {
    if (f.uuids.length === 0) throw badInput('filter.uuids', f.uuids, 'at least one instance uuid');
    if (f.uuids.length > MAX_UUIDS)
      throw badInput('filter.uuids', `${f.uuids.length} uuids`, `at most ${MAX_UUIDS} uuids`);
    f.uuids.forEach((uuid, i) => {
      if (!isUuid(uuid)) throw badInput(`filter.uuids[${i}]`, uuid, 'an instance uuid');
    });
    uuids = new Set(f.uuids.map((uuid) => uuid.toLowerCase()));
  }
  const projectId = identity.isAdmin
    ? (f.projectId ?? (f.allProjects === true ? null : identity.projectId))
    : identity.projectId;
  return { projectId, uuids };
}

/** Whether an instance event falls in `scope`. */
export function inScope(scope: EventScope, event: { projectId: string | null; instanceUuid: string }): boolean {
  if (scope.projectId !== null && event.projectId !== scope.projectId) return false;
  return scope.uuids === null || scope.uuids.has(event.instanceUuid.toLowerCase());
}
