import type { MappingInfo } from '../globalClient';
import type { CellStream } from './merge';
import type { RouterRequest } from './routerContext';
import { listProject } from './selectCells';

// Filters that only scope by project; anything else makes UNKNOWN records wrong.
const PROJECT_ONLY = new Set(['projectId', 'allProjects']);

/**
 * Minimal records for instances the mappings place in cells that did not answer (Nova's
 * microversion 2.69): only when the list is filtered by project alone and not sorted
 * explicitly, only for mapped, not-deleted instances, and only in the room the live
 * cells left on the page (so they come after every live row, on the last page).
 */
export async function unknownRecords(
  req: RouterRequest,
  options: { streams: CellStream[]; filter: Record<string, unknown>; sortGiven: boolean; room: number },
): Promise<MappingInfo[]> {
  const failed = options.streams.filter((s) => s.failure);
  if (!failed.length || options.room <= 0 || options.sortGiven) return [];
  const filterKeys = Object.entries(options.filter).filter(([, v]) => v !== null && v !== undefined).map(([k]) => k);
  if (filterKeys.some((k) => !PROJECT_ONLY.has(k))) return [];
  const project = listProject(req, options.filter);
  try {
    const perCell = await Promise.all(failed.map((s) => req.global.mappingsInCell(s.cell.info.uuid, project, options.room, req.requestId)));
    return perCell
      .flat()
      .filter((m) => !m.queuedForDelete)
      .sort((a, b) => (a.instanceUuid < b.instanceUuid ? -1 : a.instanceUuid > b.instanceUuid ? 1 : 0))
      .slice(0, options.room);
  } catch (err) {
    req.logger.warn({ err: (err as Error).message }, 'could not read mappings for UNKNOWN records');
    return [];
  }
}
