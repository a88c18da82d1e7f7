import { isCell0 } from '../cell0';
import type { ApiClient } from '../../prisma/clients';
import { lockProjectUsage, negate, NOTHING, shiftUsage } from './bootUsage';
import { serverAmounts, type RowSizes } from './serverAmounts';

/**
 * Gives a deleted server's usage back, exactly once: in one API transaction it sets the
 * mapping's queued_for_delete and subtracts what the server counted. A second call
 * (a redelivered terminate, a retried hook) finds the mapping already queued and
 * changes nothing; usage never goes below zero. Answers whether this call released.
 *
 * What the server counted: see serverAmounts (`sizes` is the cell's row).
 */
export async function releaseDeletedServer(api: ApiClient, instanceUuid: string, sizes?: RowSizes): Promise<boolean> {
  return api.$transaction(async (tx) => {
    const mapping = await tx.instanceMapping.findUnique({ where: { instanceUuid }, include: { cell: true } });
    if (!mapping || mapping.queuedForDelete) return false;
    await lockProjectUsage(tx, mapping.projectId);
    const flipped = await tx.instanceMapping.updateMany({
      where: { instanceUuid, queuedForDelete: false },
      data: { queuedForDelete: true, updatedAt: new Date() },
    });
    if (flipped.count !== 1) return false;
    const inCell0 = mapping.cell !== null && isCell0(mapping.cell);
    const spec = inCell0 ? null : await tx.requestSpec.findUnique({ where: { instanceUuid }, select: { spec: true } });
    const counted = serverAmounts(inCell0, spec?.spec, sizes);
    await shiftUsage(
      tx,
      { projectId: mapping.projectId, userId: mapping.userId ?? '' },
      { reserved: NOTHING, inUse: negate(counted) },
    );
    return true;
  });
}
