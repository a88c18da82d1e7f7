import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** Fragment definitions by name: a parsed operation's Map, or graphql-js's `info.fragments`. */
export type Fragments = ReadonlyMap<string, FragmentDefinitionNode> | Readonly<Record<string, FragmentDefinitionNode>>;

/**
 * The fields of a selection set with fragment spreads and inline fragments flattened
 * (the queries this is used on never need a type condition: the planner's queries to
 * one subgraph, and a cell's own `edges { node }` selections).
 */
export function collectFields(selectionSet: SelectionSetNode, fragments: Fragments): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        fields.push(selection);
        break;
      case Kind.INLINE_FRAGMENT:
        fields.push(...collectFields(selection.selectionSet, fragments));
        break;
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragmentNamed(fragments, selection.name.value);
        if (fragment) fields.push(...collectFields(fragment.selectionSet, fragments));
        break;
      }
      default: {
        const never: never = selection;
        throw new Error(`unexpected selection ${JSON.stringify(never)}`);
      }
    }
  }
  return fields;
}

function fragmentNamed(fragments: Fragments, name: string): FragmentDefinitionNode | undefined {
  return fragments instanceof Map
    ? fragments.get(name)
    : (fragments as Readonly<Record<string, FragmentDefinitionNode>>)[name];
}
