import { badInput } from './errors';
import { checkText } from './inputText';

/**
 * The `name` filter is a PostgreSQL regular expression (`~`), evaluated only where the
 * rows live: by each cell for its instances, by the global subgraph for build requests.
 * No process runs a caller's pattern in JavaScript. These bounds are the same in both.
 */
export const MAX_PATTERN_LENGTH = 256;

/** statement_timeout (SET LOCAL) for a statement that evaluates a caller's pattern. */
export const PATTERN_STATEMENT_TIMEOUT_MS = 2000;

/** The pattern when it may be sent to PostgreSQL; BAD_USER_INPUT naming `field` otherwise. */
export function checkPattern(field: string, pattern: string): string {
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw badInput(field, pattern, `a regular expression of at most ${MAX_PATTERN_LENGTH} characters`);
  return checkText(field, pattern);
}

/**
 * PostgreSQL's reason when `err` (or what it wraps) is its refusal of a regular
 * expression (SQLSTATE 2201B, e.g. `parentheses () not balanced`), else null.
 */
export function patternRefusal(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    const e = current as {
      message?: unknown;
      code?: unknown;
      originalCode?: unknown;
      meta?: { code?: unknown; driverAdapterError?: { cause?: unknown } };
      cause?: unknown;
    };
    const text = typeof e.message === 'string' ? e.message : '';
    const coded = [e.code, e.originalCode, e.meta?.code].includes('2201B');
    const detail = /invalid regular expression: ([^`\n"]*)/.exec(text)?.[1];
    if (detail) return detail.trim();
    if (coded) return 'invalid';
    current = e.meta?.driverAdapterError?.cause ?? e.cause;
  }
  return null;
}

/** The BAD_USER_INPUT for a pattern PostgreSQL refused with `reason`. */
export function refusedPattern(field: string, pattern: string, reason: string): Error {
  return badInput(field, pattern, `a valid regular expression (PostgreSQL: ${reason})`);
}
