import { isCell0 } from '../../../cellsAdmin';
import type { ApiClient } from '../../../prisma/clients';
import { specFlavor } from '../scheduler/requestSpec';
import { amountsOf, BURIED, lockProjectUsage, negate, NOTHING, shiftUsage, type BootAmounts } from './bootUsage';

/**
 * Gives a deleted server's usage back, exactly once: in one API transaction it sets the
 * mapping's queued_for_delete and subtracts what the server counted. A second call
 * (a redelivered terminate, a retried hook) finds the mapping already queued and
 * changes nothing; usage never goes below zero. Answers whether this call released.
 *
 * What the server counted: one instance only if it is buried in cell0; otherwise its
 * request spec's flavor (what the boot reserved), else `sizes` (the cell's row).
 */
export async function releaseDeletedServer(api: ApiClient, instanceUuid: string, sizes?: { vcpus: number | null; memoryMb: number | null }): Promise<boolean> {
  return api.$transaction(async (tx) => {
    const mapping = await tx.instanceMapping.findUnique({ where: { instanceUuid }, include: { cell: true } });
    if (!mapping || mapping.queuedForDelete) return false;
    await lockProjectUsage(tx, mapping.projectId);
    const flipped = await tx.instanceMapping.updateMany({ where: { instanceUuid, queuedForDelete: false }, data: { queuedForDelete: true, updatedAt: new Date() } });
    if (flipped.count !== 1) return false;
    let counted: BootAmounts = BURIED;
    if (!mapping.cell || !isCell0(mapping.cell)) {
      const spec = await tx.requestSpec.findUnique({ where: { instanceUuid }, select: { spec: true } });
      counted = amountsOf(specFlavor(spec?.spec) ?? { vcpus: sizes?.vcpus ?? 0, memoryMb: sizes?.memoryMb ?? 0 });
    }
    await shiftUsage(tx, { projectId: mapping.projectId, userId: mapping.userId ?? '' }, { reserved: NOTHING, inUse: negate(counted) });
    return true;
  });
}
