import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';

/**
 * Our own coded errors pass through; a unique-constraint race becomes CONFLICT; anything
 * else is logged in full and answered as INTERNAL_SERVER_ERROR without internals.
 */
export function globalFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    // Ours, and Apollo's own (validation, parsing), are already safe to show.
    if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
    const original = unwrapResolverError(error) as { code?: string; meta?: unknown } | undefined;
    if (original?.code === 'P2002') {
      return { message: `conflict: a row with the same unique key already exists (${JSON.stringify(original.meta ?? {})})`, path: formatted.path, extensions: { code: ErrorCode.CONFLICT } };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a resolver');
    return { message: 'internal error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
