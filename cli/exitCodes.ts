import type { CellsAdminErrorCode } from '../cellsAdmin';

/**
 * The cells command's exit codes. 1-3 belong to verify-instance (as in
 * `nova-manage cell_v2 verify_instance`), so failures use the sysexits range.
 */
export const EXIT = {
  OK: 0,
  /** The library refused: conflict, not found, refused (cell0, mapped hosts…). */
  REFUSED: 4,
  /** Bad option or value (EX_USAGE). */
  USAGE: 64,
  /** The API database did not answer (EX_UNAVAILABLE). */
  UNAVAILABLE: 69,
  /**
   * A command that needs every cell met a cell database that did not answer
   * (quota-recount); nothing was written, run it again when all cells are up (EX_TEMPFAIL).
   */
  CELL_UNAVAILABLE: 75,
  /** Anything unexpected (EX_SOFTWARE). */
  SOFTWARE: 70,
  /** A bad environment variable (EX_CONFIG). */
  CONFIG: 78,
} as const;

export function exitCodeFor(code: CellsAdminErrorCode): number {
  switch (code) {
    case 'BAD_INPUT':
      return EXIT.USAGE;
    case 'NOT_FOUND':
    case 'CONFLICT':
    case 'REFUSED':
      return EXIT.REFUSED;
    case 'UNAVAILABLE':
      return EXIT.CELL_UNAVAILABLE;
    default: {
      const never: never = code;
      throw new Error(`unknown error code ${String(never)}`);
    }
  }
}
