import type { IncomingMessage } from 'node:http';
import type { AuthOutcome } from './httpServer';
import { headerValue } from './httpServer';
import { identityFromHeaders, InternalHeaders, secretMatches, type Identity } from './identity';

/** What every subgraph request carries, before the subgraph adds its loaders. */
export interface BaseRequestContext {
  identity: Identity;
  requestId: string;
}

/**
 * Admits a request to a subgraph only with the internal shared secret and a forwarded
 * identity; anything else gets 401 before GraphQL (and so the database) is touched.
 */
export function internalAuthenticator<C>(
  secret: string,
  build: (base: BaseRequestContext, req: IncomingMessage) => C,
): (req: IncomingMessage, requestId: string) => AuthOutcome<C> {
  return (req, requestId) => {
    if (!secretMatches(headerValue(req, InternalHeaders.secret), secret)) {
      return { ok: false, status: 401, message: 'missing or wrong internal secret' };
    }
    const identity = identityFromHeaders((name) => headerValue(req, name));
    if (!identity) {
      return { ok: false, status: 401, message: `missing ${InternalHeaders.userId} or ${InternalHeaders.projectId}` };
    }
    return { ok: true, context: build({ identity, requestId }, req) };
  };
}
