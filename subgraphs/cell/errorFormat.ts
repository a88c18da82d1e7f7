import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../shared/errors';

/**
 * Apollo's formatError for the cell subgraph: an error that comes from the cell's
 * database being unreachable is CELL_UNAVAILABLE (so the gateway can tell a down cell
 * from a bug); other unexpected errors keep Apollo's INTERNAL_SERVER_ERROR.
 */
export function formatCellError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR && code !== undefined) return formatted;
  if (!isDatabaseDown(error)) return formatted;
  return { ...formatted, message: `the cell database is unavailable: ${formatted.message.split('\n').filter(Boolean).pop() ?? ''}`.trim(), extensions: { ...formatted.extensions, code: ErrorCode.CELL_UNAVAILABLE } };
}

const DOWN = [/ECONNREFUSED/, /DatabaseNotReachable/, /Can't reach database/, /DatabaseDoesNotExist/, /does not exist/, /connection terminated/i, /timeout exceeded when trying to connect/i, /P1001/, /P1003/, /ENOTFOUND/, /terminating connection/];

function isDatabaseDown(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { message?: unknown; code?: unknown; cause?: unknown; originalError?: unknown };
    const text = `${String(e.message ?? '')} ${String(e.code ?? '')} ${safeJson(e.cause)}`;
    if (DOWN.some((pattern) => pattern.test(text))) return true;
    current = e.originalError ?? e.cause;
  }
  return false;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
