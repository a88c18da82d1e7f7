import type { IncomingMessage } from 'node:http';
import type { AuthOutcome } from '../infrastructure/httpServer';
import { headerValue } from '../infrastructure/httpServer';
import { identityFromHeaders, type Identity } from './identity';

/** What every subgraph request carries, before the subgraph adds its loaders. */
export interface BaseRequestContext {
  identity: Identity;
  requestId: string;
}

/**
 * Admits a request to a subgraph only with a forwarded identity whose MAC the internal
 * secret verifies (see identity.ts); anything else gets 401 before GraphQL (and so the
 * database) is touched.
 */
export function internalAuthenticator<C>(
  secret: string,
  build: (base: BaseRequestContext, req: IncomingMessage) => C,
): (req: IncomingMessage, requestId: string) => AuthOutcome<C> {
  return (req, requestId) => {
    const outcome = identityFromHeaders((name) => headerValue(req, name), secret);
    if (!outcome.ok) return { ok: false, status: 401, message: outcome.reason };
    return { ok: true, context: build({ identity: outcome.identity, requestId }, req) };
  };
}
