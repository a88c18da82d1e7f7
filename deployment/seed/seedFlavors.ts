import type { ApiClient } from '../../prisma/clients';
import { FLAVORS } from './catalog';

/** Flavors with their extra specs and, for private ones, project access; existing rows stay as they are. */
export async function seedFlavors(api: ApiClient): Promise<Map<string, number>> {
  return api.$transaction(async (tx) => {
    await tx.instanceType.createMany({
      data: FLAVORS.map((f) => ({
        name: f.name,
        flavorid: f.flavorid,
        vcpus: f.vcpus,
        memoryMb: f.memoryMb,
        rootGb: f.rootGb,
        ephemeralGb: f.ephemeralGb ?? 0,
        swap: f.swap ?? 0,
        isPublic: f.isPublic,
        description: f.description,
      })),
      skipDuplicates: true,
    });
    const rows = await tx.instanceType.findMany({ where: { name: { in: FLAVORS.map((f) => f.name) }, deleted: 0 } });
    const ids = new Map(rows.map((row) => [row.name, row.id]));
    await tx.instanceTypeExtraSpec.createMany({
      data: FLAVORS.flatMap((f) =>
        Object.entries(f.extraSpecs).map(([key, value]) => ({ instanceTypeId: ids.get(f.name)!, key, value })),
      ),
      skipDuplicates: true,
    });
    await tx.instanceTypeProject.createMany({
      data: FLAVORS.flatMap((f) =>
        (f.projects ?? []).map((projectId) => ({ instanceTypeId: ids.get(f.name)!, projectId })),
      ),
      skipDuplicates: true,
    });
    return ids;
  });
}
