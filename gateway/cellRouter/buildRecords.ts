import type { GraphQLFormattedError } from 'graphql';
import { comparePositions, decodeCursor, encodeCursor, positionOf, type SortSpec } from '../../domain/instanceOrder';
import type { BuildRequestFilter, BuildRequestInfo, GlobalOutcome } from '../globalClient';
import type { CellStream, MergeRow } from './merge';
import type { RouterRequest } from './routerContext';
import { mergedFields, shape } from './shape';
import { ErrorCode } from '../../domain/errors';

// Filters a build request can never match: it has no host and no cell yet.
const EXCLUDING = ['host', 'cellUuid'] as const;

/** Whether build requests can match `filter` at all (they have no host and no cell yet). */
export function buildsApply(filter: Record<string, unknown>): boolean {
  if (EXCLUDING.some((key) => filter[key] !== undefined && filter[key] !== null)) return false;
  return typeof filter.status !== 'string' || filter.status.toUpperCase() === 'BUILD';
}

/**
 * The part of a list's filter the global subgraph applies to build requests, in SQL:
 * `name` is a regular expression evaluated by PostgreSQL with the cells' operator, so
 * a pattern means the same for every row and never runs in the gateway.
 */
export function buildRequestFilter(filter: Record<string, unknown>): BuildRequestFilter {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { name: text(filter.name), userId: text(filter.userId), changesSince: text(filter.changesSince) };
}

/**
 * Accepted servers that no cell holds yet, listed as BUILD the way Nova lists build
 * requests first: one stream beside the cells' in the merge, ordered here (the global
 * subgraph filtered them, see buildRequestFilter). When they could not be read the
 * list goes on without them and says so with an error.
 */
export function buildRequestStream(
  req: RouterRequest,
  read: GlobalOutcome<BuildRequestInfo[] | null> | null,
  options: { sort: SortSpec[]; after: string | null; first: number },
): { stream: CellStream | null; error?: GraphQLFormattedError } {
  if (read === null || (read.ok && read.value === null)) return { stream: null };
  if (!read.ok) {
    req.logger.warn({ err: read.message, detail: read.detail }, 'build requests could not be read');
    return {
      stream: null,
      error: {
        message: 'servers being scheduled (BUILD) could not be read and are missing from this page',
        path: [req.field.responseKey],
        extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
      },
    };
  }
  const { sort } = options;
  const after = options.after ? decodeCursor(options.after, sort) : null;
  const edgeFields = mergedFields(req.field.node.selectionSet, req.planned.fragments).filter((f) => f.name === 'edges');
  const rows: MergeRow[] = (read.value ?? [])
    .map((r) => {
      const node = buildNode(r);
      const position = positionOf(node, sort);
      const cursor = encodeCursor(position, sort);
      return {
        position,
        cursor,
        fromBuildRequest: true,
        edges: edgeFields.map((f) => shape({ cursor, node }, f.selectionSet, req.planned.fragments, 'InstanceEdge')),
      };
    })
    .filter((row) => !after || comparePositions(row.position, after, sort) > 0)
    .sort((a, b) => comparePositions(a.position, b.position, sort))
    .slice(0, options.first);
  const stream: CellStream = {
    cell: { info: { uuid: 'build-requests', name: null } } as CellStream['cell'],
    buffer: rows,
    hasMore: false,
    requests: 1,
    elapsedMs: 0,
  };
  return { stream };
}

/** What an instance looks like before any cell holds it (Nova: vm_state building, task scheduling). */
export function buildNode(r: BuildRequestInfo): Record<string, unknown> {
  return {
    __typename: 'Instance',
    uuid: r.instanceUuid,
    status: 'BUILD',
    vmState: 'building',
    taskState: 'scheduling',
    powerState: 0,
    powerStateName: 'NOSTATE',
    projectId: r.projectId,
    userId: r.userId,
    displayName: r.displayName,
    createdAt: r.createdAt,
    updatedAt: null,
    launchedAt: null,
    imageRef: r.imageRef,
    availabilityZone: r.availabilityZone,
    flavor: r.flavor ? { __typename: 'Flavor', id: r.flavor.id } : null,
    metadata: [],
    faults: [],
  };
}
