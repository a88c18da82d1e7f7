/** What went wrong, in words a caller can switch on (the global subgraph maps them to GraphQL codes). */
export type CellsAdminErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'BAD_INPUT' | 'REFUSED' | 'UNAVAILABLE';

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
      .map((cell) => `cell ${quote(cell.name ?? cell.uuid)} (${cell.uuid}): ${cell.reason}`)
      .join('; ');
    super(
      'UNAVAILABLE',
      `${what} needs every cell database, and ${cells.length} did not answer: ${names}; nothing was written`,
    );
    this.name = 'CellsUnavailableError';
    this.cells = cells;
  }
}

/** How a value reads inside an error message: JSON, shortened past 80 characters. */
export function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** BAD_INPUT naming the field, what was expected and what came. */
export function badInput(field: string, value: unknown, expected: string): CellsAdminError {
  return new CellsAdminError('BAD_INPUT', `${field}: expected ${expected}, got ${quote(value)}`, field);
}
