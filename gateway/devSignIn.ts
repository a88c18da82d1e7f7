import { ErrorCode } from '../domain/errors';
import { claimProblem } from '../domain/identity';
import { DEFAULTS } from '../infrastructure/configSchema';
import { headerValue, readBodyText, type Route } from '../infrastructure/httpServer';
import { signToken } from './auth';
import type { GatewayConfig } from './config';
import { json, refusal } from './opsEndpoints';

/** The projects the default deployment seeds, offered by the dashboard's one-click sign-in. */
export const DEMO_PROJECTS = ['demo', 'alt_demo', 'admin'] as const;
export const DEV_SIGN_IN_PATH = '/auth/dev-token';

/**
 * True when the gateway verifies tokens with the development secret published in this
 * repository and no JWKS: anyone can sign such a token already (`npm run token`), so
 * handing one out over HTTP gives nothing away. Any other setup turns the shortcut off.
 */
export function devSignInEnabled(jwt: GatewayConfig['jwt']): boolean {
  return !jwt.jwksUrl && jwt.secret === DEFAULTS.jwtSecret;
}

/**
 * `GET /auth/dev-token` says whether the one-click sign-in is on (and for which demo
 * projects); `POST /auth/dev-token` with `{"project": "demo", "admin": false}` answers
 * `{"token": "…"}`, the token `npm run token -- --project demo` prints. Off: 404.
 */
export function devSignInRoutes(jwt: GatewayConfig['jwt']): Record<string, Route> {
  return {
    [DEV_SIGN_IN_PATH]: async (req) => {
      if (!devSignInEnabled(jwt) || !jwt.secret)
        return refusal(
          404,
          ErrorCode.NOT_FOUND,
          'demo sign-in is off: this gateway does not use the development JWT secret; sign in with a token',
        );
      if (req.method === 'GET') return json(200, { enabled: true, projects: DEMO_PROJECTS });
      if (req.method !== 'POST') return refusal(405, ErrorCode.BAD_USER_INPUT, 'use GET or POST');
      // A form on another site cannot send JSON without a preflight, which is refused.
      if (!(headerValue(req, 'content-type') ?? '').startsWith('application/json'))
        return refusal(415, ErrorCode.BAD_USER_INPUT, 'expected a JSON body (content-type: application/json)');
      const input = parse(await readBodyText(req, 4096));
      if (typeof input === 'string') return refusal(400, ErrorCode.BAD_USER_INPUT, input);
      const userId = `${input.project}-user`;
      const roles = input.admin ? ['admin', 'member'] : ['member'];
      const problem = claimProblem({ userId, projectId: input.project, roles });
      if (problem)
        return refusal(
          400,
          ErrorCode.BAD_USER_INPUT,
          `project: expected ${problem.expected}, got ${JSON.stringify(input.project)}`,
        );
      const token = await signToken({
        projectId: input.project,
        userId,
        roles,
        secret: jwt.secret,
        expiresIn: '12h',
        issuer: jwt.issuer,
        audience: jwt.audience,
      });
      return json(200, { token });
    },
  };
}

// The body as { project, admin }, or what is wrong with it.
function parse(body: string | null): { project: string; admin: boolean } | string {
  if (body === null) return 'request body too large';
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'expected a JSON body';
  }
  const { project, admin } = (value ?? {}) as { project?: unknown; admin?: unknown };
  if (typeof project !== 'string') return `project: expected a string, got ${JSON.stringify(project ?? null)}`;
  if (admin !== undefined && typeof admin !== 'boolean')
    return `admin: expected a boolean, got ${JSON.stringify(admin)}`;
  return { project, admin: admin === true };
}
