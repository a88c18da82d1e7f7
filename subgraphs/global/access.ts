import type { Identity } from '../../domain/identity';
import { forbidden } from '../../domain/errors';

export { requireAdmin } from '../../domain/errors';

/**
 * The one project a call acts on: a non-admin's own (asking for another is FORBIDDEN),
 * an admin's choice, defaulting to their own.
 */
export function oneProject(identity: Identity, requested: string | null | undefined, field = 'projectId'): string {
  if (requested === null || requested === undefined) return identity.projectId;
  if (!identity.isAdmin && requested !== identity.projectId) {
    throw forbidden(`${field}: ${JSON.stringify(requested)} is not your project; only admins may name another`);
  }
  return requested;
}

/**
 * The project a list is limited to, or undefined for every project (admins asking for
 * `allProjects`). Non-admins always get their own project.
 */
export function listScope(
  identity: Identity,
  args: { projectId?: string | null; allProjects?: boolean | null },
): string | undefined {
  if (args.allProjects) {
    if (!identity.isAdmin) throw forbidden('allProjects is for admins only');
    if (args.projectId) return args.projectId;
    return undefined;
  }
  return oneProject(identity, args.projectId);
}

/** Whether the caller may see a row that belongs to `projectId`. */
export function canSeeProject(identity: Identity, projectId: string | null | undefined): boolean {
  return identity.isAdmin || projectId === identity.projectId;
}
