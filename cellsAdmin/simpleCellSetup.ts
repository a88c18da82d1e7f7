import { isCell0 } from '../domain/cell0';
import { createCell } from './createCell';
import { discoverHosts, type DiscoveredHost } from './discoverHosts';
import { listCells } from './listCells';
import { mapCell0 } from './mapCell0';
import { mapInstances, type MapInstancesResult } from './mapInstances';
import type { ApiClient, CellAccess, CellMapping } from './types';

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
