import { clientCellMessage } from '../../domain/clientError';
import type { SortSpec } from '../../domain/instanceOrder';
import type { MergeRow } from './merge';
import type { RouterRequest } from './routerContext';
import { mergedFields, shape } from './shape';
import { encodeUnknownCursor } from './startCursor';
import { unknownInstance, type UnknownPage } from './unknownRecords';

/** One CellResult row, as the contract names its fields. */
export interface CellRow {
  cellUuid: string;
  cellName: string | null;
  status: string;
  message: string | null;
  elapsedMs: number;
}

interface PageParts {
  /** The live rows of the page, in order. */
  live: MergeRow[];
  /** Whether live rows follow this page. */
  liveHasMore: boolean;
  /** The page's UNKNOWN records (after every live row), when the walk reached them. */
  unknown: UnknownPage | null;
  cells: CellRow[];
  complete: boolean;
  sort: SortSpec[];
  edgeKeys: string[];
}

/**
 * The InstanceConnection as the client's selection asks for it, with the router's
 * fields removed. UNKNOWN records come after the live rows, each with a cursor of the
 * UNKNOWN phase; `hasNextPage` holds until the last of either has been shown.
 */
export function connectionResponse(req: RouterRequest, parts: PageParts): Record<string, unknown> {
  const { fragments } = req.planned;
  const { unknown, sort } = parts;
  const unknownEdges = (unknown?.records ?? []).map((m) => ({
    cursor: encodeUnknownCursor({ afterUuid: m.instanceUuid, cells: unknown!.phase.cells }, sort),
    node: unknownInstance(m),
  }));
  const hasNextPage = parts.liveHasMore || Boolean(unknown?.hasMore);
  // A page that ends with the live rows while UNKNOWN records follow ends on the cursor
  // that starts them, so the walk goes on in the UNKNOWN phase even if a cell comes back.
  const endCursor =
    unknownEdges.at(-1)?.cursor ??
    (unknown?.hasMore ? encodeUnknownCursor(unknown.phase, sort) : (parts.live.at(-1)?.cursor ?? null));
  const out: Record<string, unknown> = {};
  for (const field of mergedFields(req.field.node.selectionSet, fragments)) {
    switch (field.name) {
      case '__typename':
        out[field.key] = 'InstanceConnection';
        break;
      case 'edges': {
        const index = parts.edgeKeys.indexOf(field.key);
        const live = parts.live.map((row) => row.edges[index]);
        out[field.key] = [
          ...live,
          ...unknownEdges.map((edge) => shape(edge, field.selectionSet, fragments, 'InstanceEdge')),
        ];
        break;
      }
      case 'pageInfo':
        out[field.key] = shape({ hasNextPage, endCursor }, field.selectionSet, fragments, 'PageInfo');
        break;
      case 'complete':
        out[field.key] = parts.complete;
        break;
      case 'cells':
        // Last guard: a row's message is the router's fixed text; anything else reads as its status.
        out[field.key] = parts.cells.map((row) =>
          shape(
            { ...row, message: clientCellMessage(row.status, row.message) },
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
