import type { ApiClient } from '../../prisma/clients';
import type { CellMapping } from '../../prisma/api/generated/client';
import { seededUuid } from './deterministic';
import type { PlannedInstance } from './demoFleet';

/**
 * The API-side records of the fleet: an instance mapping per instance (deleted ones
 * queued for delete), request specs, a few tags and finished migrations. All keyed,
 * so writing them again adds nothing; written for the whole fleet every run, which
 * heals a run that stopped between a cell write and this one.
 */
export async function seedMappings(
  api: ApiClient,
  fleet: PlannedInstance[],
  cells: Map<string, CellMapping>,
): Promise<void> {
  await api.$transaction([
    api.instanceMapping.createMany({
      data: fleet.map((p) => ({
        instanceUuid: p.uuid,
        cellId: cells.get(p.cellName)!.id,
        projectId: p.project,
        userId: p.user,
        queuedForDelete: p.state === 'deleted',
        createdAt: p.createdAt,
      })),
      skipDuplicates: true,
    }),
    api.requestSpec.createMany({
      data: fleet.map((p) => ({
        instanceUuid: p.uuid,
        spec: JSON.stringify({
          instance_uuid: p.uuid,
          project_id: p.project,
          user_id: p.user,
          num_instances: 1,
          availability_zone: 'nova',
          flavor: {
            name: p.flavor.name,
            vcpus: p.flavor.vcpus,
            memory_mb: p.flavor.memoryMb,
            root_gb: p.flavor.rootGb,
          },
          image: { id: p.image.id },
        }),
        createdAt: p.createdAt,
      })),
      skipDuplicates: true,
    }),
    api.tag.createMany({
      data: fleet
        .filter((p) => p.index % 7 === 0)
        .flatMap((p) => [
          { resourceId: p.uuid, tag: p.displayName.split('-')[0] },
          { resourceId: p.uuid, tag: 'demo' },
        ]),
      skipDuplicates: true,
    }),
    api.migration.createMany({
      data: fleet
        .filter((p) => p.state === 'active' && p.host && p.index % 25 === 3)
        .map((p) => ({
          uuid: seededUuid(`migration:${p.uuid}`),
          instanceUuid: p.uuid,
          sourceCompute:
            p.host === 'compute1'
              ? 'compute2'
              : p.host === 'compute3'
                ? 'compute4'
                : p.host === 'compute2'
                  ? 'compute1'
                  : 'compute3',
          destCompute: p.host,
          destHost: p.host,
          status: 'completed',
          migrationType: 'live-migration',
          userId: p.user,
          projectId: p.project,
          createdAt: new Date(p.createdAt.getTime() + 86_400_000),
        })),
      skipDuplicates: true,
    }),
  ]);
}
