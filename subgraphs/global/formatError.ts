import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { clientErrors, type ClientErrors } from '../../domain/clientError';
import { DATABASE_FAILURES, databaseFailure } from '../../domain/databaseFailure';
import { ErrorCode } from '../../domain/errors';
import type { Logger } from '../../infrastructure/logger';
import type { GlobalContext } from './context';

/**
 * The global subgraph's error formatter: a unique-constraint race becomes CONFLICT, a
 * failure to use the API database GLOBAL_UNAVAILABLE with its cause in `reason` (the same
 * classification as the cells' CELL_UNAVAILABLE), then
 * domain/clientError.ts decides what the client sees (coded errors keep their
 * message, anything unexpected is `internal error`) and logs what it changed.
 */
export function globalErrors(logger: Logger): ClientErrors<GlobalContext> {
  return clientErrors<GlobalContext>(logger, classifyGlobalError);
}

/** What the global subgraph knows about its own unexpected errors. */
export function classifyGlobalError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== undefined && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  const original = unwrapResolverError(error) as { code?: unknown } | undefined;
  if (original?.code === 'P2002') {
    // Prisma's meta names tables, columns and constraints: the log has it, the client does not.
    return {
      message: 'conflict: a row with the same unique key already exists',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.CONFLICT },
    };
  }
  const reason = databaseFailure(original);
  if (reason) {
    const message = DATABASE_FAILURES[reason].replace(/^cell database/, 'API database');
    return {
      message,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE, reason },
    };
  }
  return formatted;
}
