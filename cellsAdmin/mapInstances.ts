import { getCell } from './findCell';
import { badInput } from './errors';
import type { ApiClient, CellAccess, CellClient, CellMapping } from './types';
import { withCell } from './withCell';

export interface MapInstancesOptions extends CellAccess {
  /** The cell (uuid or name) whose instances to map. */
  cell: string;
  /** Instances read and mapped per API transaction; default 500. */
  batchSize?: number;
}

export interface MapInstancesResult {
  /** Instance mappings created. */
  created: number;
  /** Existing mappings without a cell (never scheduled, or un-mapped) now pointing at this cell. */
  adopted: number;
  /** Mappings that point at another cell and were left alone. */
  elsewhere: number;
  batches: number;
}

/**
 * Creates the instance mappings a cell's instances lack, the way
 * `nova-manage cell_v2 map_instances` does: walks the cell's instances (deleted ones
 * too, mapped as queued for delete) by id in batches, one API transaction per batch,
 * so an interrupted run resumes where the mappings stop and a rerun creates nothing.
 */
export async function mapInstances(api: ApiClient, options: MapInstancesOptions): Promise<MapInstancesResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
    throw badInput('batchSize', options.batchSize, 'an integer from 1 to 10000');
  }
  const cell = await getCell(api, options.cell);
  return withCell(options, cell.databaseConnection, (client) => mapAll(api, cell, client, batchSize));
}

async function mapAll(
  api: ApiClient,
  cell: CellMapping,
  client: CellClient,
  batchSize: number,
): Promise<MapInstancesResult> {
  const result: MapInstancesResult = { created: 0, adopted: 0, elsewhere: 0, batches: 0 };
  let afterId = 0;
  for (;;) {
    const instances = await client.instance.findMany({
      where: { id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take: batchSize,
      select: { id: true, uuid: true, projectId: true, userId: true, deleted: true },
    });
    if (instances.length === 0) return result;
    afterId = instances[instances.length - 1].id;
    result.batches += 1;
    await api.$transaction(async (tx) => {
      const uuids = instances.map((instance) => instance.uuid);
      const existing = await tx.instanceMapping.findMany({ where: { instanceUuid: { in: uuids } } });
      const byUuid = new Map(existing.map((mapping) => [mapping.instanceUuid, mapping]));
      const missing = instances.filter((instance) => !byUuid.has(instance.uuid));
      const orphans = existing.filter((mapping) => mapping.cellId === null).map((mapping) => mapping.id);
      result.elsewhere += existing.filter((mapping) => mapping.cellId !== null && mapping.cellId !== cell.id).length;
      await tx.instanceMapping.createMany({
        data: missing.map((instance) => ({
          instanceUuid: instance.uuid,
          cellId: cell.id,
          projectId: instance.projectId ?? '',
          userId: instance.userId,
          queuedForDelete: instance.deleted !== 0,
        })),
        // A concurrent boot may map an instance between our read and our insert.
        skipDuplicates: true,
      });
      if (orphans.length > 0) {
        await tx.instanceMapping.updateMany({
          where: { id: { in: orphans } },
          data: { cellId: cell.id, updatedAt: new Date() },
        });
      }
      result.created += missing.length;
      result.adopted += orphans.length;
    });
  }
}
