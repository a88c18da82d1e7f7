import type { FieldNode } from 'graphql';
import { collectFields, type Fragments } from '../../infrastructure/collectFields';
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
export async function prefetchNested(ctx: CellContext, fieldNames: Set<string>, uuids: string[]): Promise<void> {
  if (uuids.length === 0) return;
  const wanted = new Set<UuidLoader>();
  for (const name of fieldNames) if (NESTED[name]) wanted.add(NESTED[name]);
  await Promise.all([...wanted].map((name) => (ctx.loaders[name] as SettledLoader<string, unknown>).loadMany(uuids)));
}

/**
 * Field names selected under `edges.node` of a connection field (a resolver's
 * `info.fieldNodes` and `info.fragments`), through fragments.
 */
export function nodeFieldNames(fieldNodes: readonly FieldNode[], fragments: Fragments): Set<string> {
  const named = (fields: FieldNode[], name: string) => fields.filter((f) => f.name.value === name && f.selectionSet);
  const under = (field: FieldNode) => (field.selectionSet ? collectFields(field.selectionSet, fragments) : []);
  const names = new Set<string>();
  for (const edges of named(fieldNodes.flatMap(under), 'edges')) {
    for (const node of named(under(edges), 'node')) for (const f of under(node)) names.add(f.name.value);
  }
  return names;
}
