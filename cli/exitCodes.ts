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
    default: {
      const never: never = code;
      throw new Error(`unknown error code ${String(never)}`);
    }
  }
}
