import type { Identity } from '../domain/identity';

/** Per-request state of the gateway: who is calling and the request id forwarded downstream. */
export interface GatewayContext {
  identity: Identity;
  requestId: string;
}
