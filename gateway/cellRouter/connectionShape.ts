import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { clientCellMessage } from '../../domain/clientError';
import { collectFields } from '../../infrastructure/collectFields';
import type { MergeRow } from './mergeSources';

/** A field of a selection set after merging fields that share a response key. */
export interface MergedField {
  key: string;
  name: string;
  selectionSet?: SelectionSetNode;
}

/**
 * The fields of a selection set by response key, in first-seen order; fields that share
 * a key (GraphQL merges them) have their sub-selections concatenated.
 */
export function mergedFields(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
): MergedField[] {
  if (!selectionSet) return [];
  const byKey = new Map<string, MergedField>();
  for (const node of collectFields(selectionSet, fragments)) {
    const key = responseKey(node);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { key, name: node.name.value, selectionSet: node.selectionSet });
    } else if (node.selectionSet) {
      const selections = [...(seen.selectionSet?.selections ?? []), ...node.selectionSet.selections];
      seen.selectionSet = { kind: Kind.SELECTION_SET, selections };
    }
  }
  return [...byKey.values()];
}

/**
 * Builds the response object the planner expects for `selectionSet` from a plain value:
 * response keys (aliases) in selection order, `__typename` filled, nested selections
 * projected, anything the value lacks set to null. Used for what the router makes up
 * itself (per-cell status rows, page info, BUILD and UNKNOWN instance records).
 */
export function shape(
  value: Record<string, unknown> | null | undefined,
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  typename: string,
): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (!selectionSet) return value;
  const out: Record<string, unknown> = {};
  for (const field of mergedFields(selectionSet, fragments)) {
    if (field.name === '__typename') {
      out[field.key] = typename;
      continue;
    }
    const raw = value[field.name];
    if (raw === undefined || raw === null || !field.selectionSet) {
      out[field.key] = raw ?? null;
    } else if (Array.isArray(raw)) {
      out[field.key] = raw.map((item) =>
        shape(item as Record<string, unknown>, field.selectionSet, fragments, String(item?.__typename ?? '')),
      );
    } else {
      const nested = raw as Record<string, unknown>;
      out[field.key] = shape(nested, field.selectionSet, fragments, String(nested.__typename ?? ''));
    }
  }
  return out;
}

/** The key a field's value has in the response. */
export function responseKey(node: FieldNode): string {
  return node.alias?.value ?? node.name.value;
}

/** One CellResult row, as the contract names its fields. */
export interface CellRow {
  cellUuid: string;
  cellName: string | null;
  status: string;
  message: string | null;
  elapsedMs: number;
}

/** What a page of a connection is made of, before it takes the client's shape. */
export interface ConnectionParts {
  /** The client's selection on the connection, merged by response key (computed once per request). */
  selection: MergedField[];
  fragments: Map<string, FragmentDefinitionNode>;
  /** The GraphQL type names of the connection and its edge. */
  typenames: { connection: string; edge: string };
  /** The merged rows of the page, in order; their edges are already in the client's shape. */
  live: MergeRow<unknown>[];
  /** Edges the router made up after the live rows (UNKNOWN records), shaped here. */
  madeUp: { cursor: string; node: Record<string, unknown> }[];
  hasNextPage: boolean;
  endCursor: string | null;
  cells: CellRow[];
  complete: boolean;
}

/** The keys of the client's `edges` aliases, in the order MergeRow.edges holds them. */
export function edgeKeys(selection: MergedField[]): string[] {
  return selection.filter((f) => f.name === 'edges').map((f) => f.key);
}

/**
 * The connection as the client's selection asks for it, with the router's own fields
 * (`__cr_…`) absent: they were never in `selection`.
 */
export function connectionResponse(parts: ConnectionParts): Record<string, unknown> {
  const { fragments, typenames } = parts;
  const keys = edgeKeys(parts.selection);
  const out: Record<string, unknown> = {};
  for (const field of parts.selection) {
    switch (field.name) {
      case '__typename':
        out[field.key] = typenames.connection;
        break;
      case 'edges': {
        const index = keys.indexOf(field.key);
        out[field.key] = [
          ...parts.live.map((row) => row.edges[index]),
          ...parts.madeUp.map((edge) => shape(edge, field.selectionSet, fragments, typenames.edge)),
        ];
        break;
      }
      case 'pageInfo':
        out[field.key] = shape(
          { hasNextPage: parts.hasNextPage, endCursor: parts.endCursor },
          field.selectionSet,
          fragments,
          'PageInfo',
        );
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
