import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '../domain/errors';
import { headerValue, type Route } from '../infrastructure/httpServer';
import { ADMIN_ROLE, isOperator, OPERATOR_ROLE } from '../domain/identity';
import type { Logger } from '../infrastructure/logger';
import { AuthenticationError, type Authenticator } from './auth';

/** The operational endpoints as they answer an operator: every detail. */
export interface OpsEndpoints {
  readiness: Route;
  metrics: Route;
}

type Answer = Awaited<ReturnType<Route>>;

/** A JSON answer of a gateway route outside GraphQL (these and the dev sign-in). */
export const json = (status: number, body: unknown): Answer => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
});
/** Such a route's refusal, shaped like a GraphQL error with its code. */
export const refusal = (status: number, code: ErrorCode, message: string): Answer =>
  json(status, { errors: [{ message, extensions: { code } }] });
const NEEDS_ROLE = `a bearer token with the ${OPERATOR_ROLE} or ${ADMIN_ROLE} role`;

// Who asks: nobody (no Authorization header), an operator, or a refusal to send back.
async function caller(
  req: Parameters<Route>[0],
  authenticator: Authenticator,
): Promise<'anonymous' | 'operator' | Answer> {
  const authorization = headerValue(req, 'authorization');
  if (authorization === undefined) return 'anonymous';
  try {
    const identity = await authenticator.verify(authorization);
    return isOperator(identity) ? 'operator' : refusal(403, ErrorCode.FORBIDDEN, `this endpoint needs ${NEEDS_ROLE}`);
  } catch (err) {
    if (err instanceof AuthenticationError) return refusal(401, ErrorCode.UNAUTHENTICATED, err.message);
    throw err;
  }
}

/**
 * /readyz and /metrics on the public port. A load balancer without a token gets the
 * bare readiness (`{"status":"ready"}` or `{"status":"unready"}`, 200 or 503) and
 * nothing else; the cells, their last errors and the metrics are for operators.
 */
export function guardedOpsRoutes(endpoints: OpsEndpoints, authenticator: Authenticator): Record<string, Route> {
  return {
    '/readyz': async (req) => {
      const who = await caller(req, authenticator);
      if (typeof who !== 'string') return who;
      const answer = await endpoints.readiness(req);
      if (who === 'operator') return answer;
      return json(answer.status, { status: answer.status === 200 ? 'ready' : 'unready' });
    },
    '/metrics': async (req) => {
      const who = await caller(req, authenticator);
      if (typeof who !== 'string') return who;
      if (who === 'anonymous')
        return refusal(
          401,
          ErrorCode.UNAUTHENTICATED,
          `metrics need ${NEEDS_ROLE} (or the operations port, CELLS_OPS_PORT)`,
        );
      return endpoints.metrics(req);
    },
  };
}

export interface RunningOpsServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The operations listener (CELLS_OPS_PORT): /healthz, the detailed /readyz and
 * /metrics without a token, for a network only operators reach.
 */
export async function startOpsServer(
  endpoints: OpsEndpoints,
  options: { port: number; host: string; logger: Logger },
): Promise<RunningOpsServer> {
  const routes: Record<string, Route> = {
    '/healthz': async () => json(200, { status: 'ok' }),
    '/readyz': endpoints.readiness,
    '/metrics': endpoints.metrics,
  };
  const server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://localhost').pathname];
    const answering = route ? route(req) : Promise.resolve(refusal(404, ErrorCode.NOT_FOUND, 'no such route'));
    answering
      .catch((err: unknown) => {
        options.logger.error({ err }, 'unhandled error in an operations route');
        return refusal(500, ErrorCode.INTERNAL_SERVER_ERROR, 'internal error');
      })
      .then((answer) => {
        res.statusCode = answer.status;
        res.setHeader('content-type', answer.contentType ?? 'text/plain');
        res.end(answer.body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
