// The cells library's refusals, and the checks of its input that raise them.

import { describe, ErrorCode, expectedGot } from '../domain/errors';

/** What went wrong: the ErrorCode values the library raises (the global subgraph maps them to GraphQL codes). */
export type CellsAdminErrorCode = `${
  ErrorCode.NOT_FOUND | ErrorCode.CONFLICT | ErrorCode.BAD_INPUT | ErrorCode.REFUSED | ErrorCode.UNAVAILABLE}`;

/**
 * A refusal of the cells management library. `field` names the input at fault (for
 * BAD_INPUT and CONFLICT), so the CLI can name its option and the API its argument.
 */
export class CellsAdminError extends Error {
  readonly code: CellsAdminErrorCode;
  readonly field?: string;

  constructor(code: CellsAdminErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'CellsAdminError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

/** A cell database that did not answer, and why. */
export interface SilentCell {
  uuid: string;
  name: string | null;
  reason: string;
}

/**
 * UNAVAILABLE: an operation that needs every cell (a quota recount) met cells that did
 * not answer; `cells` names each, and nothing was written.
 */
export class CellsUnavailableError extends CellsAdminError {
  readonly cells: SilentCell[];

  constructor(cells: SilentCell[], what: string) {
    const names = cells
      .map((cell) => `cell ${describe(cell.name ?? cell.uuid)} (${cell.uuid}): ${cell.reason}`)
      .join('; ');
    super(
      ErrorCode.UNAVAILABLE,
      `${what} needs every cell database, and ${cells.length} did not answer: ${names}; nothing was written`,
    );
    this.name = 'CellsUnavailableError';
    this.cells = cells;
  }
}

/** BAD_INPUT naming the field, what was expected and what came (the wording of domain's badInput). */
export function invalidInput(field: string, value: unknown, expected: string): CellsAdminError {
  return new CellsAdminError(ErrorCode.BAD_INPUT, expectedGot(field, value, expected), field);
}

// The input checks: each returns the value it accepts, or throws BAD_INPUT naming the field.

/** Cell0's transport: it has no queue (as in Nova). Several cells may share it. */
export const NO_TRANSPORT = 'none:///';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is written like a UUID (names never are, so look-ups are unambiguous). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function checkUuid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isUuid(value))
    throw invalidInput(field, value, 'a UUID like 8-4-4-4-12 hex digits');
  return value.toLowerCase();
}

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f]/;

// Names and ids fit Nova's VARCHAR(255) columns and read the same in a log and a table.
function printable(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 255 &&
    value.trim() === value &&
    !CONTROL_CHARACTERS.test(value)
  );
}

/** A cell name: 1-255 printable characters, no surrounding spaces, not a UUID. */
export function checkName(field: string, value: unknown): string {
  if (!printable(value))
    throw invalidInput(field, value, 'a name of 1 to 255 printable characters without surrounding spaces');
  if (isUuid(value)) throw invalidInput(field, value, 'a name that is not a UUID (UUIDs identify cells)');
  return value;
}

/** A project or user id: 1-255 printable characters, no surrounding spaces. */
export function checkId(field: string, value: unknown): string {
  if (!printable(value))
    throw invalidInput(field, value, 'an id of 1 to 255 printable characters without surrounding spaces');
  return value;
}

/** A PostgreSQL URL naming a database: postgresql://user[:password]@host[:port]/database. */
export function checkDatabaseUrl(field: string, value: unknown): string {
  const parsed = parse(field, value, ['postgresql:', 'postgres:'], 'a postgresql://user@host[:port]/database URL');
  if (!parsed.hostname || parsed.pathname.replace(/^\//, '') === '') {
    throw invalidInput(field, value, 'a postgresql://user@host[:port]/database URL with a host and a database name');
  }
  return value as string;
}

/** An AMQP URL (amqp:// or amqps://, the path is the vhost) or `none:///` for a cell without a queue. */
export function checkTransportUrl(field: string, value: unknown): string {
  if (value === NO_TRANSPORT) return value;
  const parsed = parse(
    field,
    value,
    ['amqp:', 'amqps:'],
    `an amqp://user:password@host[:port]/vhost URL or ${NO_TRANSPORT}`,
  );
  if (!parsed.hostname) throw invalidInput(field, value, 'an amqp:// URL with a host');
  return value as string;
}

/** The cell subgraph's HTTP endpoint. */
export function checkGraphqlUrl(field: string, value: unknown): string {
  const parsed = parse(field, value, ['http:', 'https:'], 'an http(s)://host:port/graphql URL');
  if (!parsed.hostname) throw invalidInput(field, value, 'an http(s):// URL with a host');
  return value as string;
}

function parse(field: string, value: unknown, protocols: string[], expected: string): URL {
  if (typeof value !== 'string' || value.trim() !== value || value === '') throw invalidInput(field, value, expected);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidInput(field, value, expected);
  }
  if (!protocols.includes(parsed.protocol)) throw invalidInput(field, value, expected);
  return parsed;
}
