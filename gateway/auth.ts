import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { describe } from '../domain/errors';
import { claimProblem, identityOf, type ClaimProblem, type Identity } from '../domain/identity';

/** Where the gateway gets its keys: a shared HS256 secret, or a JWKS URL. */
export interface JwtOptions {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/** Why a token was refused; the message goes back to the caller with HTTP 401. */
export class AuthenticationError extends Error {}

/** Claims a Cells token carries beside the standard ones. */
interface CellsClaims extends JWTPayload {
  project_id?: unknown;
  roles?: unknown;
}

/** Verifies bearer tokens and turns their claims into an Identity. */
export class Authenticator {
  private readonly key: Uint8Array | JWTVerifyGetKey;

  constructor(private readonly options: JwtOptions) {
    if (options.jwksUrl) {
      // A JWKS may sign tokens for other services too: only this issuer's tokens for this audience count.
      if (!options.issuer || !options.audience)
        throw new Error('JWT verification against a JWKS needs an issuer and an audience');
      this.key = createRemoteJWKSet(new URL(options.jwksUrl));
    } else if (options.secret) this.key = new TextEncoder().encode(options.secret);
    else throw new Error('JWT verification needs a secret or a JWKS URL');
  }

  /** The identity in the `Authorization: Bearer` header; throws AuthenticationError otherwise. */
  async verify(authorization: string | undefined): Promise<Identity> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new AuthenticationError('missing bearer token (Authorization: Bearer <jwt>)');
    let payload: CellsClaims;
    try {
      const verified = await jwtVerify(match[1], this.key as Uint8Array, {
        algorithms: this.options.jwksUrl ? undefined : ['HS256'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'exp'],
      });
      payload = verified.payload as CellsClaims;
    } catch (err) {
      throw new AuthenticationError(`invalid token: ${(err as Error).message}`);
    }
    const claims = { userId: payload.sub, projectId: payload.project_id, roles: payload.roles ?? [] };
    const problem = claimProblem(claims);
    if (problem) throw new AuthenticationError(describeProblem(problem));
    return identityOf(claims.userId as string, claims.projectId as string, claims.roles as string[]);
  }
}

const CLAIM_NAMES: Record<ClaimProblem['claim'], string> = { userId: 'sub', projectId: 'project_id', roles: 'roles' };

// `token claim project_id: expected an id matching …, got " alt_demo"`; long values are cut.
function describeProblem(problem: ClaimProblem): string {
  const name = CLAIM_NAMES[problem.claim];
  if (problem.got === undefined) return `token claim ${name} missing: expected ${problem.expected}`;
  return `token claim ${name}: expected ${problem.expected}, got ${describe(problem.got)}`;
}

export interface TokenRequest {
  projectId: string;
  userId: string;
  roles: string[];
  secret: string;
  expiresIn?: string;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 token the gateway accepts (for `npm run token` and tests). */
export function signToken(request: TokenRequest): Promise<string> {
  let jwt = new SignJWT({ project_id: request.projectId, roles: request.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(request.userId)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '12h');
  if (request.issuer) jwt = jwt.setIssuer(request.issuer);
  if (request.audience) jwt = jwt.setAudience(request.audience);
  return jwt.sign(new TextEncoder().encode(request.secret));
}
