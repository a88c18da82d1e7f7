import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who is calling, as the gateway verified it from the caller's JWT. */
export interface Identity {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

/** The role that makes a caller an administrator (exact match, nothing else does). */
export const ADMIN_ROLE = 'admin';
/** The role that may read /metrics and the detailed /readyz without being an administrator. */
export const OPERATOR_ROLE = 'operator';

/**
 * What a user or project id may look like: Keystone's 32-hex ids and the demo's simple
 * names pass; whitespace, separators and anything longer than 64 characters do not.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** What a role may look like: a closed syntax with no separators or whitespace. */
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
export const MAX_ROLES = 32;

/** The one place an Identity is built: isAdmin comes from the roles, by exact match. */
export function identityOf(userId: string, projectId: string, roles: readonly string[]): Identity {
  return { userId, projectId, roles: [...roles], isAdmin: roles.includes(ADMIN_ROLE) };
}

/** Whether the caller may read the operational endpoints (administrators may too). */
export function isOperator(identity: Identity): boolean {
  return identity.roles.includes(OPERATOR_ROLE) || identity.roles.includes(ADMIN_ROLE);
}

/** A claim that breaks the identity rules: which one, what was expected, what came. */
export interface ClaimProblem {
  claim: 'userId' | 'projectId' | 'roles';
  expected: string;
  got: unknown;
}

const ID_RULE = `an id matching ${ID_PATTERN.source}`;
const ROLES_RULE = `an array of at most ${MAX_ROLES} roles, each matching ${ROLE_PATTERN.source}`;

/** Checks identity claims against the rules; null when they hold. Both the gateway and the wire decoder use it. */
export function claimProblem(claims: { userId: unknown; projectId: unknown; roles: unknown }): ClaimProblem | null {
  if (typeof claims.userId !== 'string' || !ID_PATTERN.test(claims.userId))
    return { claim: 'userId', expected: ID_RULE, got: claims.userId };
  if (typeof claims.projectId !== 'string' || !ID_PATTERN.test(claims.projectId))
    return { claim: 'projectId', expected: ID_RULE, got: claims.projectId };
  if (!Array.isArray(claims.roles) || claims.roles.length > MAX_ROLES)
    return { claim: 'roles', expected: ROLES_RULE, got: claims.roles };
  const bad = claims.roles.find((role) => typeof role !== 'string' || !ROLE_PATTERN.test(role));
  if (bad !== undefined) return { claim: 'roles', expected: ROLES_RULE, got: bad };
  return null;
}

/** The identity Cells itself uses for its own calls (router look-ups, scheduler). */
export const SERVICE_IDENTITY: Identity = identityOf('cells-service', 'cells-service', [ADMIN_ROLE, 'service']);

/** Headers the gateway (or the scheduler) sets on every call to a subgraph. */
export const InternalHeaders = {
  /** `v1.<base64url(canonical JSON)>.<base64url(HMAC-SHA256)>`, see encodeIdentity. */
  identity: 'x-cells-identity',
  requestId: 'x-request-id',
} as const;

/** How long a forwarded identity is good for: one request's life, not a session. */
export const IDENTITY_TTL_SECONDS = 300;
/** Clock difference tolerated between the gateway and a subgraph. */
const CLOCK_SKEW_SECONDS = 60;
const VERSION = 'v1';
const WIRE = /^v1\.([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{43})$/;

// A key of its own for identities, so a MAC made with the internal secret for another
// purpose can never pass as one.
function identityKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('cells identity v1').digest();
}

function mac(secret: string, bytes: Buffer): Buffer {
  return createHmac('sha256', identityKey(secret)).update(bytes).digest();
}

// Fixed key order and JSON.stringify's fixed escaping: one identity, one byte string.
function canonical(claims: { u: string; p: string; r: string[]; iat: number; exp: number }): string {
  return JSON.stringify({ u: claims.u, p: claims.p, r: claims.r, iat: claims.iat, exp: claims.exp });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Encodes an identity for one call to a subgraph: canonical JSON of the user, project
 * and roles (isAdmin is not sent; the reader computes it), with a short expiry,
 * MAC'd with the internal secret. Throws for an identity that breaks the claim rules,
 * so nothing the gateway would refuse is ever forwarded.
 */
export function encodeIdentity(identity: Identity, secret: string, now = nowSeconds()): string {
  const problem = claimProblem(identity);
  if (problem)
    throw new Error(`cannot forward an identity whose ${problem.claim} breaks the rules: expected ${problem.expected}`);
  const bytes = Buffer.from(
    canonical({
      u: identity.userId,
      p: identity.projectId,
      r: identity.roles,
      iat: now,
      exp: now + IDENTITY_TTL_SECONDS,
    }),
    'utf8',
  );
  return `${VERSION}.${bytes.toString('base64url')}.${mac(secret, bytes).toString('base64url')}`;
}

/** Why a forwarded identity was refused (the subgraph answers 401 with it). */
export type IdentityOutcome = { ok: true; identity: Identity } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies and decodes what encodeIdentity made: the MAC over exactly the payload
 * bytes, then the canonical form, the claim rules and the expiry. No splitting, no
 * trimming: a header that is not byte for byte what the encoder writes is refused.
 */
export function decodeIdentity(value: string | undefined, secret: string, now = nowSeconds()): IdentityOutcome {
  if (value === undefined) return { ok: false, reason: `missing ${InternalHeaders.identity} header` };
  const wire = WIRE.exec(value);
  if (!wire) return { ok: false, reason: `malformed ${InternalHeaders.identity} header` };
  const bytes = Buffer.from(wire[1], 'base64url');
  const presented = Buffer.from(wire[2], 'base64url');
  // Node's base64url decoder ignores stray bits; only the encoder's own spelling counts.
  if (bytes.toString('base64url') !== wire[1] || presented.toString('base64url') !== wire[2]) {
    return { ok: false, reason: `malformed ${InternalHeaders.identity} header` };
  }
  if (!timingSafeEqual(presented, mac(secret, bytes)))
    return {
      ok: false,
      reason: `${InternalHeaders.identity} header: MAC mismatch (wrong internal secret or altered identity)`,
    };
  let text: string;
  let claims: Record<string, unknown>;
  try {
    text = utf8.decode(bytes);
    claims = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: `malformed ${InternalHeaders.identity} header` };
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims))
    return { ok: false, reason: `malformed ${InternalHeaders.identity} header` };
  const { u, p, r, iat, exp } = claims;
  const problem = claimProblem({ userId: u, projectId: p, roles: r });
  if (problem)
    return { ok: false, reason: `${InternalHeaders.identity} header: claim ${problem.claim} breaks the rules` };
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp))
    return { ok: false, reason: `malformed ${InternalHeaders.identity} header` };
  if (
    canonical({ u: u as string, p: p as string, r: r as string[], iat: iat as number, exp: exp as number }) !== text
  ) {
    return { ok: false, reason: `${InternalHeaders.identity} header is not in canonical form` };
  }
  if (
    (exp as number) - (iat as number) > IDENTITY_TTL_SECONDS ||
    (iat as number) > now + CLOCK_SKEW_SECONDS ||
    (exp as number) < now - CLOCK_SKEW_SECONDS
  ) {
    return { ok: false, reason: `${InternalHeaders.identity} header expired or not yet valid` };
  }
  return { ok: true, identity: identityOf(u as string, p as string, r as string[]) };
}

/** Headers that carry `identity` to a subgraph, authenticated with the internal secret. */
export function identityHeaders(identity: Identity, secret: string, requestId?: string): Record<string, string> {
  const headers: Record<string, string> = { [InternalHeaders.identity]: encodeIdentity(identity, secret) };
  if (requestId) headers[InternalHeaders.requestId] = requestId;
  return headers;
}

/** Reads and verifies the identity the gateway forwarded (see decodeIdentity). */
export function identityFromHeaders(
  get: (name: string) => string | undefined,
  secret: string,
  now?: number,
): IdentityOutcome {
  return decodeIdentity(get(InternalHeaders.identity), secret, now);
}
