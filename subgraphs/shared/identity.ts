import { timingSafeEqual, createHash } from 'node:crypto';

/** Who is calling, as the gateway verified it from the caller's JWT. */
export interface Identity {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

/** Headers the gateway (or the scheduler) sets on every call to a subgraph. */
export const InternalHeaders = {
  secret: 'x-cells-internal-secret',
  userId: 'x-cells-user-id',
  projectId: 'x-cells-project-id',
  roles: 'x-cells-roles',
  requestId: 'x-request-id',
} as const;

/** The identity subgraphs use for calls made by Cells itself (router look-ups, scheduler). */
export const SERVICE_IDENTITY: Identity = {
  userId: 'cells-service',
  projectId: 'cells-service',
  roles: ['admin', 'service'],
  isAdmin: true,
};

/** Headers that carry `identity` and the internal secret to a subgraph. */
export function identityHeaders(identity: Identity, secret: string, requestId?: string): Record<string, string> {
  const headers: Record<string, string> = {
    [InternalHeaders.secret]: secret,
    [InternalHeaders.userId]: identity.userId,
    [InternalHeaders.projectId]: identity.projectId,
    [InternalHeaders.roles]: identity.roles.join(','),
  };
  if (requestId) headers[InternalHeaders.requestId] = requestId;
  return headers;
}

/** Constant-time comparison of the presented secret with the expected one. */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  // Hash both so lengths match and timingSafeEqual never throws or leaks the length.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Reads the identity the gateway forwarded; null when the user or project is missing. */
export function identityFromHeaders(get: (name: string) => string | undefined): Identity | null {
  const userId = get(InternalHeaders.userId);
  const projectId = get(InternalHeaders.projectId);
  if (!userId || !projectId) return null;
  const roles = (get(InternalHeaders.roles) ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  return { userId, projectId, roles, isAdmin: roles.includes('admin') };
}
