import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { collectFields } from '../../infrastructure/collectFields';

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
 * itself (per-cell status rows, page info, UNKNOWN instance records).
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
