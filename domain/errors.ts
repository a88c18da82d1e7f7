import { GraphQLError } from 'graphql';
import type { Identity } from './identity';

/** Every error code of Cells: what a subgraph or the gateway puts in `extensions.code`, and the cells library's refusals. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  /** The instance's vm/task state does not allow the action (Nova's InstanceInvalidState). */
  INVALID_STATE = 'INVALID_STATE',
  INSTANCE_LOCKED = 'INSTANCE_LOCKED',
  /** The cell's message broker refused, was unreachable or did not confirm in time. */
  BROKER_UNAVAILABLE = 'BROKER_UNAVAILABLE',
  /** The instance's compute host is not consuming its queue (compute.<host> does not exist on the cell's broker). */
  HOST_UNAVAILABLE = 'HOST_UNAVAILABLE',
  CELL_UNAVAILABLE = 'CELL_UNAVAILABLE',
  /** The gateway could not read from the global subgraph in time (its fields are null, cell data still comes back). */
  GLOBAL_UNAVAILABLE = 'GLOBAL_UNAVAILABLE',
  NO_VALID_HOST = 'NO_VALID_HOST',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A request over one of the gateway's limits (HTTP 400, refused before planning); extensions name the limit. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  TOO_MANY_TOKENS = 'TOO_MANY_TOKENS',
  TOO_MANY_DIRECTIVES = 'TOO_MANY_DIRECTIVES',
  TOO_DEEP = 'TOO_DEEP',
  TOO_MANY_FANOUTS = 'TOO_MANY_FANOUTS',
  /** A new subscription over the per-connection or per-gateway limit (CELLS_SUBSCRIPTIONS_*). */
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
  /** A subscriber that fell more than CELLS_SUBSCRIPTION_BUFFER events behind and was dropped. */
  SUBSCRIBER_TOO_SLOW = 'SUBSCRIBER_TOO_SLOW',

  // cellsAdmin: the cells library's refusals (CellsAdminError), which the `cells` CLI turns into exit
  // codes; the global subgraph answers them as BAD_USER_INPUT, CONFLICT (reason REFUSED) and CELL_UNAVAILABLE.
  /** A value the cells library does not take; the message names the field, what was expected and what came. */
  BAD_INPUT = 'BAD_INPUT',
  /** The cell's state forbids the change (cell0, hosts or live instances still mapped). */
  REFUSED = 'REFUSED',
  /** An operation that needs every cell database met one that did not answer; nothing was written. */
  UNAVAILABLE = 'UNAVAILABLE',
  // gateway
  /** A request the gateway cannot serve as sent (a field no cell routes, a subscription over POST, a bad SSE request). */
  BAD_REQUEST = 'BAD_REQUEST',
}

/** A GraphQLError with a code; `details` lands in extensions beside it. */
export function cellsError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...details, code } });
}

/** Bad input: the message names the field and the value that came. */
export function badInput(field: string, value: unknown, expected: string): GraphQLError {
  return cellsError(ErrorCode.BAD_USER_INPUT, expectedGot(field, value, expected), { field });
}

/** The message of bad input, in one wording for every caller: `field: expected …, got …`. */
export function expectedGot(field: string, value: unknown, expected: string): string {
  return `${field}: expected ${expected}, got ${describe(value)}`;
}

export function notFound(what: string, id: unknown): GraphQLError {
  return cellsError(ErrorCode.NOT_FOUND, `${what} ${describe(id)} not found`, { id });
}

export function forbidden(message: string): GraphQLError {
  return cellsError(ErrorCode.FORBIDDEN, message);
}

/** Refuses a non-admin caller, as Nova's admin-only APIs do; `action` says what was refused. */
export function requireAdmin(identity: Identity, action: string): void {
  if (!identity.isAdmin) throw forbidden(`${action} is for admins only`);
}

export function conflict(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return cellsError(ErrorCode.CONFLICT, message, details);
}

/** How a value reads inside an error message: JSON, shortened past 80 characters. */
export function describe(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
