import type { GraphQLFormattedError } from 'graphql';
import type { BuildRequestInfo, GlobalOutcome } from '../globalClient';
import { loadMappings } from './mappingCache';
import { buildRequestFilter } from './buildRecords';
import type { CellEntry } from './cellDirectory';
import { routerError, type RouterRequest } from './routerContext';
import { ErrorCode } from '../../domain/errors';
import { succeed } from '../../domain/outcome';

/** The project a list is scoped to; null for an admin listing all projects. */
export function listProject(req: RouterRequest, filter: Record<string, unknown>): string | null {
  if (req.identity.isAdmin && filter.allProjects === true) return null;
  if (req.identity.isAdmin && typeof filter.projectId === 'string') return filter.projectId;
  return req.identity.projectId;
}

/** Where a list looks: the cells to ask, and the build requests (or why they are missing). */
export interface ListSources {
  cells: CellEntry[];
  /** Resolves to the build requests to list as BUILD (or why they could not be read); null when none apply. */
  builds: Promise<GlobalOutcome<BuildRequestInfo[] | null> | null>;
}

/**
 * The cells that can hold matching rows, enabled or disabled alike: the one named by
 * `filter.cellUuid`; those the mappings place `filter.uuids` in; for one project, the
 * cells its mappings name; else every cell. When the global subgraph cannot say, every
 * cell is asked (a superset is always correct). For one project the cells and the
 * build requests come from one global request.
 */
export async function selectSources(
  req: RouterRequest,
  filter: Record<string, unknown>,
  wantBuilds: boolean,
): Promise<ListSources | { error: GraphQLFormattedError }> {
  const path = [req.field.responseKey];
  const project = listProject(req, filter);
  const uuids = Array.isArray(filter.uuids) ? (filter.uuids as string[]) : null;
  const buildsAlone = async () => {
    if (!wantBuilds) return null;
    const context = await req.global.listContext(
      { projectId: project, cellsOf: false, builds: true, uuids, buildFilter: buildRequestFilter(filter) },
      req.requestId,
    );
    return context.ok ? succeed(context.value.buildRequests) : context;
  };
  if (typeof filter.cellUuid === 'string') {
    const cell = await req.cell(filter.cellUuid);
    if (!cell)
      return {
        error: routerError(
          ErrorCode.BAD_USER_INPUT,
          `filter.cellUuid: no cell with uuid ${JSON.stringify(filter.cellUuid)}`,
          path,
        ),
      };
    return { cells: [cell], builds: Promise.resolve(null) };
  }
  const all = await req.cells();
  if (uuids) {
    const builds = buildsAlone();
    const mappings = await loadMappings(req.mappings, uuids);
    if (!mappings.ok) return { cells: all, builds };
    const wanted = new Set(mappings.value.map((m) => m?.cellUuid).filter(Boolean) as string[]);
    return { cells: await known(req, wanted), builds };
  }
  if (project === null) return { cells: all, builds: buildsAlone() };
  const context = await req.global.listContext(
    { projectId: project, cellsOf: true, builds: wantBuilds, uuids: null, buildFilter: buildRequestFilter(filter) },
    req.requestId,
  );
  if (!context.ok) {
    req.logger.warn(
      { err: context.message, detail: context.detail },
      'could not narrow cells from the mappings; asking every cell',
    );
    return { cells: all, builds: Promise.resolve(context) };
  }
  return {
    cells: await known(req, new Set(context.value.cellUuids ?? [])),
    builds: Promise.resolve(succeed(context.value.buildRequests)),
  };
}

async function known(req: RouterRequest, uuids: Set<string>): Promise<CellEntry[]> {
  const cells = await Promise.all([...uuids].map((uuid) => req.cell(uuid)));
  return cells.filter((c): c is CellEntry => Boolean(c));
}
