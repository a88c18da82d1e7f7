import { GraphQLError } from 'graphql';

/** Every error code a Cells subgraph puts in `extensions.code`. */
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
  return cellsError(ErrorCode.BAD_USER_INPUT, `${field}: expected ${expected}, got ${describe(value)}`, {
    field,
  });
}

export function notFound(what: string, id: unknown): GraphQLError {
  return cellsError(ErrorCode.NOT_FOUND, `${what} ${describe(id)} not found`, { id });
}

export function forbidden(message: string): GraphQLError {
  return cellsError(ErrorCode.FORBIDDEN, message);
}

export function conflict(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return cellsError(ErrorCode.CONFLICT, message, details);
}

/** How a value reads inside an error message: JSON, shortened past 80 characters. */
export function describe(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
