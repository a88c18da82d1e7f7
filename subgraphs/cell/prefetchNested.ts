import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { CellContext } from './context';
import type { CellLoaders } from './loaders';
import type { SettledLoader } from './settledLoader';

// Instance fields answered by a loader keyed by the instance uuid.
type UuidLoader = Exclude<keyof CellLoaders, 'events' | 'instance'>;
const NESTED: Record<string, UuidLoader> = {
  metadata: 'metadata',
  systemMetadata: 'systemMetadata',
  infoCache: 'infoCache',
  extra: 'extra',
  faults: 'faults',
  fault: 'faults',
  actions: 'actions',
  blockDeviceMappings: 'blockDeviceMappings',
  virtualInterfaces: 'virtualInterfaces',
  pciDevices: 'pciDevices',
};

/**
 * Loads, before the page is resolved, the nested lists its `edges { node { … } }`
 * selection asks for: one batch (one SQL statement) per list, as the field resolvers
 * would have caused, but settled by the time graphql-js completes the 1000 instances,
 * so it completes them without a promise each. A failed batch is left to the field
 * resolvers, which then report it per field as before.
 */
export async function prefetchNested(ctx: CellContext, info: GraphQLResolveInfo, uuids: string[]): Promise<void> {
  if (uuids.length === 0) return;
  const wanted = new Set<UuidLoader>();
  for (const name of nodeFieldNames(info)) if (NESTED[name]) wanted.add(NESTED[name]);
  await Promise.all([...wanted].map((name) => (ctx.loaders[name] as SettledLoader<string, unknown>).loadMany(uuids)));
}

// Field names selected under edges.node of the resolved field, through fragments.
function nodeFieldNames(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  for (const field of info.fieldNodes) {
    for (const edges of fieldsNamed(field.selectionSet, 'edges', info)) {
      for (const node of fieldsNamed(edges.selectionSet, 'node', info)) {
        for (const f of fieldsNamed(node.selectionSet, null, info)) names.add(f.name.value);
      }
    }
  }
  return names;
}

function fieldsNamed(set: SelectionSetNode | undefined, name: string | null, info: GraphQLResolveInfo) {
  const out: { name: { value: string }; selectionSet?: SelectionSetNode }[] = [];
  const walk = (s: SelectionSetNode | undefined) => {
    for (const selection of s?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (name === null || selection.name.value === name) out.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  walk(set);
  return out;
}
