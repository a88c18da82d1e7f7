import { ApolloServerErrorCode } from '@apollo/server/errors';
import type DataLoader from 'dataloader';
import { ErrorCode } from '../../domain/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Identity } from '../../domain/identity';
import type { Logger } from '../../infrastructure/logger';
import type { GlobalCallFailure, GlobalClient, MappingInfo } from '../globalClient';
import type { RequestFanOut } from './cellFanOut';
import type { CellEntry } from './cellDirectory';
import type { PlannedOperation, RootField } from './operation';

/** What one root field resolves to: its value and any errors, paths from the root. */
export interface FieldResult {
  data: unknown;
  errors: GraphQLFormattedError[];
}

/** Everything a root-field handler needs for one incoming operation. */
export interface RouterRequest {
  planned: PlannedOperation;
  field: RootField;
  identity: Identity;
  requestId: string;
  logger: Logger;
  global: GlobalClient;
  mappings: DataLoader<string, MappingInfo | null>;
  /** The cells, and the one way to send to them (through circuit, schema check, budget and metrics). */
  fanOut: RequestFanOut;
  /** Per-cell timeout from config. */
  timeoutMs: number;
  maxFirst: number;
}

/** Logs a call to the global subgraph that failed: its fixed message and the raw detail, with the request id. */
export function logGlobalFailure(req: RouterRequest, failure: GlobalCallFailure, what: string): void {
  req.logger.warn({ requestId: req.requestId, err: failure.message, detail: failure.detail }, what);
}

/** The error the contract gives for an instance whose cell did not answer. */
export function cellUnavailableError(
  cell: CellEntry | { info: { uuid: string; name: string | null } },
  path: (string | number)[],
  status: string,
  message: string,
): GraphQLFormattedError {
  return {
    message: `cell ${cell.info.name ?? cell.info.uuid} did not answer (${status}): ${message}`,
    path,
    extensions: { code: ErrorCode.CELL_UNAVAILABLE, cellUuid: cell.info.uuid, status },
  };
}

/** An error the router raises about the request itself. */
export function routerError(
  code: ErrorCode,
  message: string,
  path: (string | number)[],
  extensions: Record<string, unknown> = {},
): GraphQLFormattedError {
  return { message, path, extensions: { ...extensions, code } };
}

// Codes a cell gives about the request or the caller (every cell would say the same):
// passed on as they are. Anything else with no data means the cell answered wrongly.
const REQUEST_CODES = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.FORBIDDEN,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.QUOTA_EXCEEDED,
  ErrorCode.INVALID_STATE,
  ErrorCode.INSTANCE_LOCKED,
  ErrorCode.BROKER_UNAVAILABLE,
  ErrorCode.HOST_UNAVAILABLE,
  ErrorCode.NO_VALID_HOST,
  ErrorCode.CELL_UNAVAILABLE,
]);

/**
 * Whether a cell's errors say it answered wrongly (another schema, a crash) rather than
 * about the request. A validation failure also sends the cell back to the schema check,
 * so the next request finds and reports a cell re-deployed with another schema.
 */
export function answeredWrongly(cell: CellEntry, errors: readonly GraphQLFormattedError[]): boolean {
  const wrong = errors.filter((e) => !REQUEST_CODES.has(String(e.extensions?.code)));
  if (wrong.some((e) => e.extensions?.code === ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED))
    cell.schema = { phase: 'unchecked' };
  return wrong.length > 0;
}
