/** What went wrong, in words a caller can switch on (the global subgraph maps them to GraphQL codes). */
export type CellsAdminErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'BAD_INPUT' | 'REFUSED';

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

/** How a value reads inside an error message: JSON, shortened past 80 characters. */
export function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** BAD_INPUT naming the field, what was expected and what came. */
export function badInput(field: string, value: unknown, expected: string): CellsAdminError {
  return new CellsAdminError('BAD_INPUT', `${field}: expected ${expected}, got ${quote(value)}`, field);
}
