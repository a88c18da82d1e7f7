import { getCell } from './findCell';
import type { ApiClient, CellMapping, HostMapping } from './types';

export type HostWithCell = HostMapping & { cell: CellMapping };

/** Host mappings with their cell, by cell name then host; only one cell's with `cell`. */
export async function listHosts(api: ApiClient, options: { cell?: string } = {}): Promise<HostWithCell[]> {
  const cellId = options.cell === undefined ? undefined : (await getCell(api, options.cell)).id;
  const hosts = await api.hostMapping.findMany({
    where: cellId === undefined ? {} : { cellId },
    include: { cell: true },
  });
  return hosts.sort((a, b) => compare(a.cell.name ?? '', b.cell.name ?? '') || compare(a.host, b.host));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
