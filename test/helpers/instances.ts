import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../../prisma/clients';
import type { TestCell } from './topology';

export interface SeededInstance {
  uuid: string;
  projectId: string;
  userId: string;
  displayName: string | null;
  createdAt: Date;
  updatedAt: Date | null;
  launchedAt: Date | null;
  cellUuid: string;
  vmState: string;
  host: string | null;
}

export interface SeedOptions {
  count: number;
  projects?: string[];
  /** Spread rows of several cells evenly in time: this cell's slot and the number of slots. */
  slot?: number;
  slots?: number;
  base?: Date;
  /** Every `tieEvery`-th row shares created_at with the one before it. */
  tieEvery?: number;
  /** Leave display name, updated_at and launched_at NULL on every `nullEvery`-th row. */
  nullEvery?: number;
  vmState?: string;
  host?: string | null;
  /** Also write instance mappings in the API database (default true). */
  mappings?: boolean;
  flavorId?: number | null;
}

/**
 * Writes instances straight into a cell database (and their mappings into the API
 * database) with controlled timestamps, ties and NULLs, for list and merge tests.
 */
export async function seedInstances(cell: TestCell, api: ApiClient, options: SeedOptions): Promise<SeededInstance[]> {
  const projects = options.projects ?? ['demo'];
  const slots = options.slots ?? 1;
  const base = options.base?.getTime() ?? Date.UTC(2026, 0, 1);
  const rows: SeededInstance[] = [];
  for (let i = 0; i < options.count; i++) {
    const tie = options.tieEvery && i > 0 && i % options.tieEvery === 0;
    const createdAt = tie ? rows[i - 1].createdAt : new Date(base + (i * slots + (options.slot ?? 0)) * 1000);
    const nulls = options.nullEvery !== undefined && i % options.nullEvery === 0;
    const projectId = projects[i % projects.length];
    rows.push({
      uuid: randomUUID(),
      projectId,
      userId: `${projectId}-user`,
      displayName: nulls ? null : `${cell.name}-vm-${String((i * 7919) % options.count).padStart(5, '0')}`,
      createdAt,
      updatedAt: nulls ? null : new Date(createdAt.getTime() + ((i * 31) % 97) * 1000),
      launchedAt: nulls ? null : new Date(createdAt.getTime() + 5000),
      cellUuid: cell.uuid,
      vmState: options.vmState ?? 'active',
      host: options.host === undefined ? `${cell.name}-compute1` : options.host,
    });
  }
  await cell.prisma.instance.createMany({
    data: rows.map((r) => ({
      uuid: r.uuid,
      projectId: r.projectId,
      userId: r.userId,
      displayName: r.displayName,
      hostname: r.displayName,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      launchedAt: r.launchedAt,
      vmState: r.vmState,
      powerState: r.vmState === 'active' ? 1 : 4,
      host: r.host,
      node: r.host,
      vcpus: 1,
      memoryMb: 512,
      rootGb: 1,
      instanceTypeId: options.flavorId === undefined ? null : options.flavorId,
    })),
  });
  if (options.mappings !== false) {
    const mapping = await api.cellMapping.findUniqueOrThrow({ where: { uuid: cell.uuid } });
    await api.instanceMapping.createMany({
      data: rows.map((r) => ({ instanceUuid: r.uuid, cellId: mapping.id, projectId: r.projectId, userId: r.userId })),
    });
  }
  return rows;
}

/**
 * The flavors the flavor tests list instances on: `m1.small` (public) and `p1.private`
 * (private, granted to no project until a test grants it).
 */
export async function createTestFlavors(api: ApiClient) {
  const small = await api.instanceType.create({
    data: { name: 'm1.small', flavorid: '2', memoryMb: 2048, vcpus: 1, rootGb: 20 },
  });
  const secret = await api.instanceType.create({
    data: { name: 'p1.private', flavorid: 'p1', memoryMb: 512, vcpus: 2, rootGb: 1, isPublic: false },
  });
  return { small, secret };
}
