import { isCell0 } from '../domain/cell0';
import { cellsTransaction } from './cellsTransaction';
import { CellsAdminError, quote } from './errors';
import { getCell } from './findCell';
import { listCells } from './listCells';
import type { ApiClient, CellAccess, CellClient, CellMapping } from './types';
import { withCell } from './withCell';

export interface DiscoveredHost {
  host: string;
  cellUuid: string;
  cellName: string | null;
}

export interface DiscoverHostsOptions extends CellAccess {
  /** Only this cell (uuid or name); default every cell but cell0, which has no hosts. */
  cell?: string;
}

/**
 * Maps the compute nodes a cell database has not yet reported (`mapped = 0`) into
 * host_mappings, then marks them mapped. Returns only the hosts newly mapped, so a
 * second run returns nothing. Per cell: the host mappings are written in one API
 * transaction first, then the nodes are marked; a crash between the two is healed
 * by the next run, which finds the mapping and only marks the node.
 */
export async function discoverHosts(api: ApiClient, options: DiscoverHostsOptions): Promise<DiscoveredHost[]> {
  const cells =
    options.cell === undefined
      ? (await listCells(api)).filter((cell) => !isCell0(cell))
      : [await getCell(api, options.cell)];
  const found: DiscoveredHost[] = [];
  for (const cell of cells) {
    found.push(...(await withCell(options, cell.databaseConnection, (client) => discoverInCell(api, cell, client))));
  }
  return found;
}

async function discoverInCell(api: ApiClient, cell: CellMapping, client: CellClient): Promise<DiscoveredHost[]> {
  const nodes = await client.computeNode.findMany({
    where: { mapped: 0, deleted: 0, host: { not: null } },
    select: { id: true, host: true },
  });
  const hosts = [...new Set(nodes.map((node) => node.host as string))].sort();
  if (hosts.length === 0) return [];
  const created = await cellsTransaction(api, async (tx) => {
    const existing = await tx.hostMapping.findMany({ where: { host: { in: hosts } }, include: { cell: true } });
    const elsewhere = existing.find((mapping) => mapping.cellId !== cell.id);
    if (elsewhere) {
      throw new CellsAdminError(
        'CONFLICT',
        `host ${quote(elsewhere.host)} of cell ${quote(cell.name ?? cell.uuid)} is already mapped to cell ${quote(elsewhere.cell.name ?? elsewhere.cell.uuid)}`,
        'host',
      );
    }
    const known = new Set(existing.map((mapping) => mapping.host));
    const fresh = hosts.filter((host) => !known.has(host));
    await tx.hostMapping.createMany({ data: fresh.map((host) => ({ host, cellId: cell.id })) });
    return fresh;
  });
  await client.computeNode.updateMany({ where: { id: { in: nodes.map((node) => node.id) } }, data: { mapped: 1 } });
  return created.map((host) => ({ host, cellUuid: cell.uuid, cellName: cell.name }));
}
