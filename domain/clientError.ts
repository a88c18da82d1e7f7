import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from './errors';
import type { Logger } from '../infrastructure/logger';

/**
 * What a client may see of an error, the same in every process (gateway, global and
 * cell subgraphs): the code, a short message fixed per cause, and only the extensions
 * named here. Everything else (`response` with a subgraph's URL and body, `exception`,
 * `stacktrace`, `serviceName`, driver objects) is dropped; the original goes to the log
 * with the request id.
 */
export const CLIENT_EXTENSIONS: ReadonlySet<string> = new Set([
  'code',
  /** Set here on an internal error, so an operator can find its log line. */
  'requestId',
  /** The argument or input field that was refused. */
  'field',
  /** Why: a refusal's cause (`REFUSED`), a database failure (`DB_REFUSED`, …). */
  'reason',
  /** Which cell, and how it failed (`UNAVAILABLE`, `TIMEOUT`), or an HTTP status. */
  'cellUuid',
  'status',
  /** The thing the request named. */
  'uuid',
  'id',
  'host',
  /** INVALID_STATE: the action and the state that refused it. */
  'action',
  'attr',
  'state',
  /** QUOTA_EXCEEDED. */
  'resource',
  'scope',
  'inUse',
  'reserved',
  'requested',
  'usage',
  /** A multi-create that placed some servers. */
  'created',
  'reservationId',
  /** Limits: which one, its value and what the request came to (also every `max…` number). */
  'limit',
  'value',
  'count',
  'complexity',
]);

// A limit's ceiling, whatever the limit is called (maxComplexity, maxAliases, …).
const LIMIT_EXTENSION = /^max[A-Z][A-Za-z]*$/;

/** Codes a client may receive: ErrorCode's and Apollo Server's (anything else is answered as an internal error). */
export const KNOWN_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ErrorCode),
  ...Object.values(ApolloServerErrorCode),
]);

/** The message an internal error is answered with. */
export const INTERNAL_MESSAGE = 'internal error';

// Text no message of ours contains: drivers, SQL, errno codes, stack frames.
const INTERNAL_TEXT = [
  /prisma/i,
  /Invalid `/,
  /Raw query failed/i,
  /\bSQLSTATE\b/i,
  /invalid byte sequence/i,
  /invalid input syntax for/i,
  /syntax error at or near/i,
  /violates (?:unique|foreign key|check|not-null) constraint/i,
  /\b(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b/,
  /\n\s+at /,
  /^\s+at .+\(.+:\d+:\d+\)$/m,
];

// Where things run. Allowed in refusals that echo the caller's own value (an admin's
// `graphqlUrl`), never in a message about a failure on our side.
const LOCATION_TEXT = [
  /\b(?:https?|amqps?|postgres(?:ql)?|redis|wss?):\/\//i,
  /\blocalhost\b/i,
  /\b\d{1,3}(?:\.\d{1,3}){3}:\d+\b/,
  /\bamqp\b/i,
  /\bpostgres\b/i,
];

// Codes whose message is about the request (and may quote what the caller sent).
const REQUEST_CODES: ReadonlySet<string> = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.QUOTA_EXCEEDED,
  ErrorCode.INVALID_STATE,
  ErrorCode.INSTANCE_LOCKED,
  ...Object.values(ApolloServerErrorCode).filter((code) => code !== ApolloServerErrorCode.INTERNAL_SERVER_ERROR),
]);

/** True when `text` holds something only a server should know (driver text, URLs, hosts, stack frames). */
export function looksInternal(text: string, { quotesCaller = false } = {}): boolean {
  return INTERNAL_TEXT.some((p) => p.test(text)) || (!quotesCaller && LOCATION_TEXT.some((p) => p.test(text)));
}

/** What the formatter did with one error, for its log line. */
type Verdict = 'kept' | 'internal' | 'rewritten';

/**
 * The client's view of one formatted error (pure; `clientErrors` adds the logging).
 * A known code keeps its message unless the message holds internal text, in which case
 * the code's fixed message replaces it; an internal or unknown code becomes
 * INTERNAL_SERVER_ERROR `internal error` with `requestId`.
 */
export function toClientError(
  formatted: GraphQLFormattedError,
  requestId?: string,
  internalMessage = INTERNAL_MESSAGE,
): { error: GraphQLFormattedError; verdict: Verdict } {
  const code = formatted.extensions?.code;
  const position = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (typeof code !== 'string' || code === ErrorCode.INTERNAL_SERVER_ERROR || !KNOWN_CODES.has(code)) {
    return {
      error: {
        message: internalMessage,
        ...position,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
      },
      verdict: 'internal',
    };
  }
  const extensions = allowedExtensions(formatted.extensions ?? {});
  const rewritten = looksInternal(formatted.message, { quotesCaller: REQUEST_CODES.has(code) });
  const message = rewritten ? fixedMessage(code, extensions.field) : formatted.message;
  if (rewritten && requestId) extensions.requestId = requestId;
  return {
    error: { message, ...position, extensions: { ...extensions, code } },
    verdict: rewritten ? 'rewritten' : 'kept',
  };
}

/**
 * A cell's row message (`cells[].message`) as a client may see it: the router's own
 * fixed text passes, anything holding internal text becomes the status's fixed text.
 */
export function clientCellMessage(status: string, message: string | null | undefined): string | null {
  if (message === null || message === undefined) return null;
  if (!looksInternal(message)) return message;
  switch (status) {
    case 'TIMEOUT':
      return 'cell did not answer in time';
    case 'UNAVAILABLE':
      return 'cell unavailable';
    default:
      return 'cell answered with an error';
  }
}

export interface ClientErrors<C extends BaseContext> {
  /** Apollo Server's `formatError`; `classify` first turns a process's own unexpected errors into coded ones. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Remembers each error's request id (formatError is not given the context). */
  plugin: ApolloServerPlugin<C>;
}

/**
 * One error formatter per process: `classify` (optional) maps what the process knows
 * about its own failures (a unique-key race, a database down, a subgraph's HTTP status)
 * to a coded error; `toClientError` then decides what the client sees, and whatever it
 * changed is logged in full with the request id.
 */
export interface ClientErrorOptions {
  /** The fixed message of an internal error (default `internal error`). */
  internalMessage?: string;
  /** False where the process logs its unexpected errors itself (the cell subgraph's cellErrorLog). */
  logInternal?: boolean;
}

export function clientErrors<C extends BaseContext & { requestId?: string }>(
  logger: Logger,
  classify: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError = (formatted) => formatted,
  options: ClientErrorOptions = {},
): ClientErrors<C> {
  const requestIds = new WeakMap<object, string>();
  return {
    formatError(formatted, error) {
      const requestId = typeof error === 'object' && error !== null ? requestIds.get(error) : undefined;
      const classified = classify(formatted, error);
      const { error: client, verdict } = toClientError(classified, requestId, options.internalMessage);
      if (verdict === 'rewritten' || (verdict === 'internal' && options.logInternal !== false)) {
        const entry = { requestId, path: formatted.path, err: unwrapResolverError(error), answered: formatted };
        if (verdict === 'internal') logger.error(entry, 'error answered as internal error');
        else logger.warn(entry, 'error message held internal text; answered with the fixed message');
      }
      return client;
    },
    plugin: {
      async requestDidStart({ contextValue }) {
        const requestId = contextValue?.requestId;
        if (typeof requestId !== 'string') return;
        return {
          async didEncounterErrors({ errors }) {
            for (const error of errors) requestIds.set(error, requestId);
          },
        };
      },
    },
  };
}

function allowedExtensions(extensions: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extensions)) {
    if (key === 'requestId') continue;
    if (LIMIT_EXTENSION.test(key) ? typeof value === 'number' : CLIENT_EXTENSIONS.has(key) && isPlain(value))
      out[key] = value;
  }
  return out;
}

// Primitives, or lists of them; a string only when it holds nothing internal.
function isPlain(value: unknown): boolean {
  if (Array.isArray(value)) return value.length <= 1000 && value.every((item) => !Array.isArray(item) && isPlain(item));
  if (typeof value === 'string') return !looksInternal(value, { quotesCaller: true });
  return value === null || typeof value === 'number' || typeof value === 'boolean';
}

function fixedMessage(code: string, field: unknown): string {
  switch (code) {
    case ErrorCode.CELL_UNAVAILABLE:
      return 'cell unavailable';
    case ErrorCode.BROKER_UNAVAILABLE:
      return "the cell's message broker is unavailable";
    case 'GLOBAL_UNAVAILABLE':
      return 'the global subgraph is unavailable';
    case ErrorCode.BAD_USER_INPUT:
      return typeof field === 'string' ? `${field}: invalid value` : 'invalid input';
    default:
      return code.toLowerCase().replace(/_/g, ' ');
  }
}
