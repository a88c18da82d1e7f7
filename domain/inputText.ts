import { badInput } from './errors';

// In `u` mode a surrogate pair is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Why PostgreSQL (and every other store) cannot take `value` as text, or null when it
 * can: a NUL byte (SQLSTATE 22021 in PostgreSQL) or half of a surrogate pair (not
 * UTF-8 at all; Node would silently write U+FFFD instead).
 */
export function textFault(value: string): string | null {
  if (value.includes('\u0000')) return 'a NUL byte';
  if (LONE_SURROGATE.test(value)) return 'an unpaired surrogate';
  return null;
}

/** The expectation a refused text is measured against, for messages. */
export const CLEAN_TEXT = 'text without NUL bytes or unpaired surrogates';

/** `value` when it is storable text; BAD_USER_INPUT naming `field` otherwise. Non-strings pass. */
export function checkText<T>(field: string, value: T): T {
  if (typeof value === 'string' && textFault(value)) throw badInput(field, value, CLEAN_TEXT);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a uuid in its usual 8-4-4-4-12 hex form. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
