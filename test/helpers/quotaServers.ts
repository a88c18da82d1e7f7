import { randomUUID } from 'node:crypto';
import type { ApiClient, CellClient } from '../../prisma/clients';

export interface ServerSeed {
  projectId: string;
  userId: string;
  /** The sizes the cell row records. */
  vcpus: number;
  memoryMb: number;
  /** The request spec's flavor; default the row's sizes; null writes no request spec. */
  spec?: { vcpus: number; memoryMb: number } | null;
  /** The cell soft-deleted the row. */
  deleted?: boolean;
  /** The API released it (its mapping is queued for delete). */
  queuedForDelete?: boolean;
}

/**
 * Writes a server as a settled boot leaves it, straight into the databases: the cell's
 * instance row, a mapping to that cell and a request spec. Answers its uuid.
 */
export async function seedServer(api: ApiClient, cell: CellClient, cellId: number, seed: ServerSeed): Promise<string> {
  const uuid = randomUUID();
  const row = await cell.instance.create({
    data: {
      uuid,
      projectId: seed.projectId,
      userId: seed.userId,
      vcpus: seed.vcpus,
      memoryMb: seed.memoryMb,
      vmState: 'active',
    },
  });
  if (seed.deleted)
    await cell.instance.update({
      where: { uuid },
      data: { deleted: row.id, deletedAt: new Date(), vmState: 'deleted' },
    });
  await api.instanceMapping.create({
    data: {
      instanceUuid: uuid,
      cellId,
      projectId: seed.projectId,
      userId: seed.userId,
      queuedForDelete: seed.queuedForDelete ?? false,
    },
  });
  const spec = seed.spec === undefined ? { vcpus: seed.vcpus, memoryMb: seed.memoryMb } : seed.spec;
  if (spec)
    await api.requestSpec.create({
      data: {
        instanceUuid: uuid,
        spec: JSON.stringify({ instance_uuid: uuid, flavor: { vcpus: spec.vcpus, memory_mb: spec.memoryMb } }),
      },
    });
  return uuid;
}

type Usage = Partial<Record<'instances' | 'cores' | 'ram', [inUse: number, reserved: number]>>;

/** Writes quota_usages rows for a user: resource → [in_use, reserved]. */
export async function recordUsage(api: ApiClient, projectId: string, userId: string, usage: Usage): Promise<void> {
  await api.quotaUsage.createMany({
    data: Object.entries(usage).map(([resource, [inUse, reserved]]) => ({
      projectId,
      userId,
      resource,
      inUse,
      reserved,
    })),
  });
}

/** A project's live quota_usages rows as `user/resource` → [in_use, reserved]. */
export async function usageRows(api: ApiClient, projectId: string): Promise<Record<string, [number, number]>> {
  const rows = await api.quotaUsage.findMany({
    where: { projectId, deleted: 0 },
    orderBy: [{ userId: 'asc' }, { resource: 'asc' }],
  });
  return Object.fromEntries(rows.map((row) => [`${row.userId}/${row.resource}`, [row.inUse, row.reserved]]));
}
