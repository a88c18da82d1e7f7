import { badInput } from '../../domain/errors';
import { checkText } from '../../domain/inputText';

const INT32_MAX = 2147483647;

/** A database id given as an ID: a positive 32-bit integer, or BAD_USER_INPUT naming `field`. */
export function parseId(field: string, value: unknown): number {
  const text = String(value);
  const id = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(id) || id < 1 || id > INT32_MAX) throw badInput(field, value, 'a positive integer id');
  return id;
}

/** An integer within [min, max] (max defaults to the int32 limit). */
export function intInRange(field: string, value: unknown, min: number, max = INT32_MAX): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** A trimmed, non-blank name of at most `max` characters matching `pattern` when given, storable as text. */
export function name(
  field: string,
  value: unknown,
  options: { max?: number; pattern?: RegExp; patternText?: string } = {},
): string {
  const max = options.max ?? 255;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || value !== value.trim()) {
    throw badInput(field, value, `a non-blank string of at most ${max} characters without leading or trailing spaces`);
  }
  checkText(field, value);
  if (options.pattern && !options.pattern.test(value))
    throw badInput(field, value, options.patternText ?? `a string matching ${options.pattern}`);
  return value;
}

/** A string of `min` to `max` characters that PostgreSQL can store (no NUL bytes or unpaired surrogates). */
export function text(field: string, value: unknown, min: number, max: number): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw badInput(field, value, min > 0 ? `${min} to ${max} characters` : `at most ${max} characters`);
  }
  return checkText(field, value);
}
