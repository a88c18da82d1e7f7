import { CELL0_NAME, CELL0_UUID, isCell0 } from '../domain/cell0';
import { createCell, findCell, getCell, listCells, withCell } from './cells';
import { invalidInput, CellsAdminError, checkUuid, NO_TRANSPORT } from './errors';
import { discoverHosts, type DiscoveredHost } from './hosts';
import type { ApiClient, CellAccess, CellClient, CellMapping } from './types';

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
    throw invalidInput('batchSize', options.batchSize, 'an integer from 1 to 10000');
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

/** What the index knows of an instance; `nova-manage cell_v2 verify_instance`'s answers. */
export type InstanceVerification =
  | { status: 'mapped'; cell: CellMapping }
  | { status: 'no-mapping' }
  | { status: 'not-scheduled' }
  | { status: 'deleted'; cell?: CellMapping };

/** The `cells verify-instance` exit code of each status. */
export function verificationExitCode(verification: InstanceVerification): 0 | 1 | 2 | 3 {
  switch (verification.status) {
    case 'mapped':
      return 0;
    case 'no-mapping':
      return 1;
    case 'not-scheduled':
      return 2;
    case 'deleted':
      return 3;
    default: {
      const never: never = verification;
      throw new Error(`unknown verification ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Whether instance `uuid` is mapped to a cell. A mapping queued for delete is
 * 'deleted'; with `openCell`, so is a mapped instance whose row the cell has
 * soft-deleted (or lost), as Nova checks the cell database too.
 */
export async function verifyInstance(api: ApiClient, uuid: string, access?: CellAccess): Promise<InstanceVerification> {
  const instanceUuid = checkUuid('uuid', uuid);
  const mapping = await api.instanceMapping.findUnique({ where: { instanceUuid }, include: { cell: true } });
  if (!mapping) return { status: 'no-mapping' };
  if (!mapping.cell) return mapping.queuedForDelete ? { status: 'deleted' } : { status: 'not-scheduled' };
  const cell = mapping.cell;
  if (mapping.queuedForDelete) return { status: 'deleted', cell };
  if (access) {
    const row = await withCell(access, cell.databaseConnection, (client) =>
      client.instance.findUnique({ where: { uuid: instanceUuid }, select: { deleted: true } }),
    );
    if (!row || row.deleted !== 0) return { status: 'deleted', cell };
  }
  return { status: 'mapped', cell };
}

export interface MapCell0Input {
  databaseConnection: string;
  graphqlUrl: string;
}

/**
 * Creates cell0 (uuid 00000000-…, no queue), where instances that fail scheduling
 * are buried. Like `nova-manage cell_v2 map_cell0`, running it again returns the
 * existing mapping unchanged.
 */
export async function mapCell0(api: ApiClient, input: MapCell0Input): Promise<{ cell: CellMapping; created: boolean }> {
  const existing = await findCell(api, CELL0_UUID);
  if (existing) return { cell: existing, created: false };
  try {
    const cell = await createCell(api, { uuid: CELL0_UUID, name: CELL0_NAME, transportUrl: NO_TRANSPORT, ...input });
    return { cell, created: true };
  } catch (err) {
    // Another process mapped cell0 between our look-up and our insert.
    const raced = err instanceof CellsAdminError && err.field === 'uuid' ? await findCell(api, CELL0_UUID) : null;
    if (raced) return { cell: raced, created: false };
    throw err;
  }
}

export interface SimpleCellSetupInput extends CellAccess {
  cell0: { databaseConnection: string; graphqlUrl: string };
  cell: { name?: string; databaseConnection: string; transportUrl: string; graphqlUrl: string };
}

export interface SimpleCellSetupResult {
  cell0: CellMapping;
  /** The first real cell, or null when one existed already (setup had been done). */
  cell: CellMapping | null;
  hosts: DiscoveredHost[];
  instances: MapInstancesResult | null;
}

/**
 * The one-cell install of `nova-manage cell_v2 simple_cell_setup`: maps cell0, then,
 * if no other cell exists yet, creates the first cell, maps its hosts and instances.
 * Running it again changes nothing.
 */
export async function simpleCellSetup(api: ApiClient, input: SimpleCellSetupInput): Promise<SimpleCellSetupResult> {
  const { cell: cell0 } = await mapCell0(api, input.cell0);
  if ((await listCells(api)).some((cell) => !isCell0(cell))) {
    return { cell0, cell: null, hosts: [], instances: null };
  }
  const cell = await createCell(api, { ...input.cell, name: input.cell.name ?? 'cell1' });
  const access: CellAccess = { openCell: input.openCell, releaseCell: input.releaseCell };
  const hosts = await discoverHosts(api, { ...access, cell: cell.uuid });
  const instances = await mapInstances(api, { ...access, cell: cell.uuid });
  return { cell0, cell, hosts, instances };
}
