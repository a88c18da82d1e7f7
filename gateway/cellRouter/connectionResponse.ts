import type { SortSpec } from '../../subgraphs/shared/instanceOrder';
import type { MappingInfo } from '../globalClient';
import type { CellStream, MergeResult } from './merge';
import type { RouterRequest } from './routerContext';
import { mergedFields, shape } from './shape';
import { START_CURSOR } from './startCursor';

interface PageParts {
  streams: CellStream[];
  merged: MergeResult;
  unknown: MappingInfo[];
  after: string | null;
  sort: SortSpec[];
  edgeKeys: string[];
}

/** The InstanceConnection as the client's selection asks for it, with the router's fields removed. */
export function connectionResponse(req: RouterRequest, parts: PageParts): Record<string, unknown> {
  const { fragments } = req.planned;
  const { merged, streams } = parts;
  const lastLive = merged.rows[merged.rows.length - 1]?.cursor;
  // UNKNOWN records have no sort values: they resume where the live rows stopped.
  const resumeCursor = lastLive ?? parts.after ?? START_CURSOR;
  const endCursor = parts.unknown.length ? resumeCursor : lastLive ?? null;
  const complete = streams.every((s) => !s.failure);
  const out: Record<string, unknown> = {};
  for (const field of mergedFields(req.field.node.selectionSet, fragments)) {
    switch (field.name) {
      case '__typename':
        out[field.key] = 'InstanceConnection';
        break;
      case 'edges': {
        const index = parts.edgeKeys.indexOf(field.key);
        const live = merged.rows.map((row) => row.edges[index]);
        const unknown = parts.unknown.map((m) =>
          shape({ cursor: resumeCursor, node: unknownInstance(m) }, field.selectionSet, fragments, 'InstanceEdge'),
        );
        out[field.key] = [...live, ...unknown];
        break;
      }
      case 'pageInfo':
        out[field.key] = shape({ hasNextPage: merged.hasNextPage, endCursor }, field.selectionSet, fragments, 'PageInfo');
        break;
      case 'complete':
        out[field.key] = complete;
        break;
      case 'cells':
        out[field.key] = streams.map((s) =>
          shape(
            {
              cellUuid: s.cell.info.uuid,
              cellName: s.cell.info.name,
              status: s.failure?.status ?? 'OK',
              message: s.failure?.message ?? null,
              elapsedMs: Math.round(s.elapsedMs * 100) / 100,
            },
            field.selectionSet,
            fragments,
            'CellResult',
          ),
        );
        break;
      default:
        out[field.key] = null;
    }
  }
  return out;
}

function unknownInstance(mapping: MappingInfo): Record<string, unknown> {
  return { __typename: 'Instance', uuid: mapping.instanceUuid, projectId: mapping.projectId, userId: null, status: 'UNKNOWN' };
}
