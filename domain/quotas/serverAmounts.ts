import { specFlavor } from '../requestSpec';
import { amountsOf, BURIED, type BootAmounts } from './bootUsage';

/** A cell's own record of a server's size (Nova's instances.vcpus / memory_mb). */
export interface RowSizes {
  vcpus: number | null;
  memoryMb: number | null;
}

/**
 * What one live server counts: one instance only if it is buried in cell0; otherwise
 * its request spec's flavor (what the boot reserved), else `sizes` (the cell's row).
 * A release gives exactly this back and a quota recount adds it up, so the two agree.
 */
export function serverAmounts(inCell0: boolean, spec: string | null | undefined, sizes?: RowSizes): BootAmounts {
  if (inCell0) return BURIED;
  return amountsOf(specFlavor(spec) ?? { vcpus: sizes?.vcpus ?? 0, memoryMb: sizes?.memoryMb ?? 0 });
}
