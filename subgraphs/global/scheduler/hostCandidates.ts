import { CELL0_UUID } from '../../../cellsAdmin';
import type { ApiClient, CellClient } from '../../../prisma/clients';
import type { Logger } from '../../shared/logger';
import { withTimeout } from '../../shared/withTimeout';
import type { CellPool } from './cellPool';
import type { HostState } from './pickHost';

type CellWithHosts = Awaited<ReturnType<typeof enabledCells>>[number];

/**
 * Every host that may take a new server: host mappings of enabled cells (never cell0),
 * with what each cell's compute node has free. A cell whose database does not answer
 * within `timeoutMs` offers no hosts (logged), as Nova skips a cell it cannot reach.
 */
export async function candidateHosts(api: ApiClient, pool: CellPool, options: { zoneCell: string | null; timeoutMs: number; logger: Logger }): Promise<HostState[]> {
  const cells = await enabledCells(api, options.zoneCell);
  const perCell = await Promise.all(
    cells.map((cell) =>
      withTimeout(hostsOfCell(pool.client(cell.databaseConnection), cell), options.timeoutMs).catch((err) => {
        options.logger.warn({ err, cell: cell.uuid }, 'scheduler: cell did not report its hosts; skipping it');
        return [] as HostState[];
      }),
    ),
  );
  return perCell.flat();
}

function enabledCells(api: ApiClient, zoneCell: string | null) {
  return api.cellMapping.findMany({
    where: { disabled: false, uuid: { not: CELL0_UUID }, graphqlUrl: { not: null }, hostMappings: { some: {} }, ...(zoneCell ? { name: zoneCell } : {}) },
    include: { hostMappings: { select: { host: true } } },
    orderBy: { id: 'asc' },
  });
}

// Free = capacity × allocation ratio (1.0 when the node sets none) − used − what builds
// not yet launched on the host will use (the agent counts a server only once it runs).
async function hostsOfCell(db: CellClient, cell: CellWithHosts): Promise<HostState[]> {
  const hosts = cell.hostMappings.map((m) => m.host);
  const [nodes, pending] = await Promise.all([
    db.computeNode.findMany({ where: { deleted: 0, host: { in: hosts } } }),
    db.instance.groupBy({
      by: ['host'],
      where: { deleted: 0, host: { in: hosts }, launchedAt: null, vmState: 'building' },
      _sum: { vcpus: true, memoryMb: true, rootGb: true, ephemeralGb: true },
    }),
  ]);
  const pendingByHost = new Map(pending.map((p) => [p.host, p._sum]));
  return nodes.map((node) => {
    const p = pendingByHost.get(node.host) ?? { vcpus: 0, memoryMb: 0, rootGb: 0, ephemeralGb: 0 };
    return {
      host: node.host!,
      cellId: cell.id,
      cellUuid: cell.uuid,
      cellName: cell.name,
      graphqlUrl: cell.graphqlUrl!,
      freeVcpus: Math.floor(node.vcpus * (node.cpuAllocationRatio ?? 1)) - node.vcpusUsed - (p.vcpus ?? 0),
      freeRamMb: Math.floor(node.memoryMb * (node.ramAllocationRatio ?? 1)) - node.memoryMbUsed - (p.memoryMb ?? 0),
      freeDiskGb: Math.floor(node.localGb * (node.diskAllocationRatio ?? 1)) - node.localGbUsed - (p.rootGb ?? 0) - (p.ephemeralGb ?? 0),
    };
  });
}
