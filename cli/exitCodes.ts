import type { CellsAdminErrorCode } from '../cellsAdmin';
import { ErrorCode } from '../domain/errors';

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

// Record, not switch: a code added to CellsAdminErrorCode without an exit code fails to compile.
const EXIT_OF_CODE: Record<CellsAdminErrorCode, number> = {
  [ErrorCode.BAD_INPUT]: EXIT.USAGE,
  [ErrorCode.NOT_FOUND]: EXIT.REFUSED,
  [ErrorCode.CONFLICT]: EXIT.REFUSED,
  [ErrorCode.REFUSED]: EXIT.REFUSED,
  [ErrorCode.UNAVAILABLE]: EXIT.CELL_UNAVAILABLE,
};

export function exitCodeFor(code: CellsAdminErrorCode): number {
  const exit = EXIT_OF_CODE[code];
  if (exit === undefined) throw new Error(`unknown error code ${String(code)}`);
  return exit;
}
