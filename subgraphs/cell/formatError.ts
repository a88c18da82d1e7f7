import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { clientErrors, type ClientErrors } from '../../domain/clientError';
import { DATABASE_FAILURES, databaseFailure } from '../../domain/databaseFailure';
import { ErrorCode } from '../../domain/errors';
import type { Logger } from '../../infrastructure/logger';

/**
 * The cell subgraph's error formatter: classifyCellError first, then
 * domain/clientError.ts decides what the client sees. Unexpected errors are logged by
 * cellErrorLog (with the cause), so the shared rules do not log them again.
 */
export function cellErrors<C extends { requestId?: string }>(logger: Logger): ClientErrors<C> {
  return clientErrors<C>(logger, classifyCellError, { internalMessage: INTERNAL_MESSAGE, logInternal: false });
}

/**
 * How the cell subgraph shows an error it did not choose itself. Every failure to use
 * the cell database is CELL_UNAVAILABLE with a fixed message per cause and the cause in
 * `extensions.reason` (so the gateway can tell a down cell from a bug); anything else
 * unexpected is INTERNAL_SERVER_ERROR `internal error in cell`. Errors the resolvers
 * coded themselves pass through. The raw text goes to the log (cellErrorLog).
 */
export function classifyCellError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (!isUnchosen(formatted.extensions?.code)) return formatted;
  const kept = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  const reason = databaseFailure(unwrapResolverError(error));
  if (reason)
    return { message: DATABASE_FAILURES[reason], ...kept, extensions: { code: ErrorCode.CELL_UNAVAILABLE, reason } };
  return { message: INTERNAL_MESSAGE, ...kept, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

export const INTERNAL_MESSAGE = 'internal error in cell';

/**
 * Logs, with the request id, the raw text of every error classifyCellError replaces:
 * a database failure as a warning with its reason, anything else as an error.
 */
export function cellErrorLog<C extends { requestId?: string }>(logger: Logger): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (!isUnchosen(error.extensions?.code)) continue;
            const original = unwrapResolverError(error);
            const reason = databaseFailure(original);
            const entry = { requestId: contextValue.requestId, path: error.path, err: original };
            if (reason) logger.warn({ ...entry, reason }, 'cell database unavailable');
            else logger.error(entry, 'unexpected error in a cell resolver');
          }
        },
      };
    },
  };
}

// Apollo adds INTERNAL_SERVER_ERROR while formatting; before that an unexpected error has no code.
function isUnchosen(code: unknown): boolean {
  return code === undefined || code === ErrorCode.INTERNAL_SERVER_ERROR;
}
