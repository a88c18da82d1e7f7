import type { CellEntry } from './cellDirectory';
import { routerError, type RouterRequest } from './routerContext';
import type { GraphQLFormattedError } from 'graphql';

/** The project a list is scoped to; null for an admin listing all projects. */
export function listProject(req: RouterRequest, filter: Record<string, unknown>): string | null {
  if (req.identity.isAdmin && filter.allProjects === true) return null;
  if (req.identity.isAdmin && typeof filter.projectId === 'string') return filter.projectId;
  return req.identity.projectId;
}

/**
 * The cells that can hold matching rows, enabled or disabled alike: the one named by
 * `filter.cellUuid`; those the mappings place `filter.uuids` in; for one project, the
 * cells its mappings name; else every cell. When the global subgraph cannot say, every
 * cell is asked (a superset is always correct).
 */
export async function selectCells(req: RouterRequest, filter: Record<string, unknown>): Promise<{ cells: CellEntry[] } | { error: GraphQLFormattedError }> {
  const path = [req.field.responseKey];
  if (typeof filter.cellUuid === 'string') {
    const cell = await req.cell(filter.cellUuid);
    if (!cell) return { error: routerError('BAD_USER_INPUT', `filter.cellUuid: no cell with uuid ${JSON.stringify(filter.cellUuid)}`, path) };
    return { cells: [cell] };
  }
  const all = await req.cells();
  try {
    if (Array.isArray(filter.uuids)) {
      const mappings = await req.mappings.loadMany(filter.uuids as string[]);
      const wanted = new Set(mappings.map((m) => (m instanceof Error ? null : m?.cellUuid)).filter(Boolean) as string[]);
      if (mappings.some((m) => m instanceof Error)) return { cells: all };
      return { cells: await known(req, wanted) };
    }
    const project = listProject(req, filter);
    if (project === null) return { cells: all };
    return { cells: await known(req, new Set(await req.global.projectCells(project, req.requestId))) };
  } catch (err) {
    req.logger.warn({ err: (err as Error).message }, 'could not narrow cells from the mappings; asking every cell');
    return { cells: all };
  }
}

async function known(req: RouterRequest, uuids: Set<string>): Promise<CellEntry[]> {
  const cells = await Promise.all([...uuids].map((uuid) => req.cell(uuid)));
  return cells.filter((c): c is CellEntry => Boolean(c));
}
