import { CELL0_UUID } from '../../../cellsAdmin';
import type { ApiClient, CellClient } from '../../../prisma/clients';
import { freeCapacity, PENDING_BUILDS } from '../../../domain/hostCapacity';
import type { Logger } from '../../../infrastructure/logger';
import { withTimeout } from '../../../infrastructure/withTimeout';
import type { CellHealth } from './cellHealth';
import type { CellPool } from './cellPool';
import type { HostState } from './pickHost';

/** An enabled cell that may take new servers, with its mapped hosts. */
export type CandidateCell = Awaited<ReturnType<typeof enabledCells>>[number];

/** Hosts of the cells that reported, and the cells that offered none because they are down. */
export interface Candidates {
  cells: CandidateCell[];
  hosts: HostState[];
  /** Cells that did not report in time, failed, or were skipped as recently down: why, per cell. */
  down: Map<string, string>;
  /** Cells known down that were asked anyway, because every cell was: their builds are asked too. */
  forced: Set<string>;
}

export interface CandidateOptions {
  zoneCell: string | null;
  timeoutMs: number;
  health: CellHealth;
  logger: Logger;
}

/**
 * Every host that may take a new server: host mappings of enabled cells (never cell0),
 * with what each cell's compute nodes have free. The cells are read in parallel, each
 * within `timeoutMs`; a cell that fails or does not answer offers no hosts and is
 * remembered as down (CellHealth), so the next boots skip it without waiting on it.
 */
export async function candidateHosts(api: ApiClient, pool: CellPool, options: CandidateOptions): Promise<Candidates> {
  const cells = await enabledCells(api, options.zoneCell);
  let reads = await Promise.all(cells.map((cell) => readCellHosts(pool, cell, options)));
  const forced = new Set<string>();
  // Every cell known down: skipping them all would bury the server in cell0 for the whole
  // cool-down after an outage that may be over (a broker restart). Ask them anyway.
  if (cells.length > 0 && reads.every((read) => !read.ok && read.skipped)) {
    cells.forEach((cell) => forced.add(cell.uuid));
    reads = await Promise.all(cells.map((cell) => readCellHosts(pool, cell, options, true)));
  }
  const down = new Map<string, string>();
  reads.forEach((read, i) => {
    if (!read.ok) down.set(cells[i].uuid, read.reason);
  });
  return { cells, hosts: reads.flatMap((read) => (read.ok ? read.hosts : [])), down, forced };
}

/** One cell's hosts through its circuit: fresh free capacity and generations, or why not. */
export async function readCellHosts(
  pool: CellPool,
  cell: CandidateCell,
  options: Omit<CandidateOptions, 'zoneCell'>,
  force = false,
): Promise<{ ok: true; hosts: HostState[] } | { ok: false; reason: string; skipped?: boolean }> {
  try {
    const guarded = await options.health.run(
      cell.uuid,
      () => withTimeout(hostsOfCell(pool.client(cell.databaseConnection), cell), options.timeoutMs),
      { force },
    );
    if (guarded.ran) return { ok: true, hosts: guarded.value };
    return { ok: false, reason: `skipped: down since ${guarded.downSince.toISOString()}`, skipped: true };
  } catch (err) {
    options.logger.warn({ err, cell: cell.uuid }, 'scheduler: cell did not report its hosts; skipping it');
    return {
      ok: false,
      reason: (err as Error).message.startsWith('no answer within')
        ? (err as Error).message
        : 'its database could not be read',
    };
  }
}

function enabledCells(api: ApiClient, zoneCell: string | null) {
  return api.cellMapping.findMany({
    where: {
      disabled: false,
      uuid: { not: CELL0_UUID },
      graphqlUrl: { not: null },
      hostMappings: { some: {} },
      ...(zoneCell ? { name: zoneCell } : {}),
    },
    include: { hostMappings: { select: { host: true } } },
    orderBy: { id: 'asc' },
  });
}

// What is free per node, by hostCapacity's rule, which the cell's claim checks again under a lock.
async function hostsOfCell(db: CellClient, cell: CandidateCell): Promise<HostState[]> {
  const hosts = cell.hostMappings.map((m) => m.host);
  // One snapshot: a generation read with the pending builds it stands for.
  const [nodes, pending] = await db.$transaction(
    [
      db.computeNode.findMany({ where: { deleted: 0, host: { in: hosts } }, orderBy: { id: 'asc' } }),
      db.instance.groupBy({
        by: ['host'],
        where: { ...PENDING_BUILDS, host: { in: hosts } },
        _sum: { vcpus: true, memoryMb: true, rootGb: true, ephemeralGb: true },
        orderBy: { host: 'asc' },
      }),
    ],
    { isolationLevel: 'RepeatableRead' },
  );
  const pendingByHost = new Map(pending.map((p) => [p.host, p._sum]));
  return nodes.map((node) => {
    const free = freeCapacity(node, pendingByHost.get(node.host));
    return {
      host: node.host!,
      cellId: cell.id,
      cellUuid: cell.uuid,
      cellName: cell.name,
      graphqlUrl: cell.graphqlUrl!,
      generation: node.generation,
      freeVcpus: free.vcpus,
      freeRamMb: free.memoryMb,
      freeDiskGb: free.diskGb,
    };
  });
}
