import { LRUCache } from 'lru-cache';
import { Kind, parse, type OperationDefinitionNode, type SelectionNode } from 'graphql';

/**
 * The fields of a flavor that never change once it exists: the API sets them when it
 * creates the flavor (createFlavor) and nothing updates them; a deleted flavor keeps its
 * row and still answers by id. Extra specs, access, `disabled`, `description`,
 * `deleted` and `updatedAt` can change and are always read from the global subgraph.
 */
export const IMMUTABLE_FLAVOR_FIELDS = [
  'id',
  'flavorid',
  'name',
  'vcpus',
  'memoryMb',
  'rootGb',
  'ephemeralGb',
  'swap',
  'rxtxFactor',
  'vcpuWeight',
  'isPublic',
  'createdAt',
] as const;

const IMMUTABLE = new Set<string>([...IMMUTABLE_FLAVOR_FIELDS, '__typename']);

/** The entity fetch the gateway sends instead, for the flavors it does not hold yet. */
export const FULL_FLAVOR_QUERY = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Flavor { __typename ${IMMUTABLE_FLAVOR_FIELDS.join(' ')} } } }`;

/** A field of the planner's selection on Flavor: its response key and name. */
export interface FlavorField {
  key: string;
  name: string;
}

/** A flavor row as FULL_FLAVOR_QUERY answers it. */
export type FlavorRecord = Record<string, unknown>;

const MAX_FLAVORS = 10_000;
const MAX_QUERIES = 200;

/**
 * Public flavors by id, as the global subgraph answered them: a public flavor is visible
 * to every caller (domain/flavorRow.ts, canSeeFlavor) and its immutable fields never
 * change, so the planner's `Flavor` entity fetches that ask only for those fields are
 * answered here once every flavor of the page is held. Private flavors are never held:
 * who may see one changes with its access list, so each is read under the caller's identity.
 */
export class PublicFlavors {
  private readonly flavors = new LRUCache<string, FlavorRecord>({ max: MAX_FLAVORS });
  private readonly selections = new LRUCache<string, { fields: FlavorField[] | null }>({ max: MAX_QUERIES });
  /** Distinct flavors of the planner's look-ups answered from those held, and read from the global subgraph. */
  readonly stats = { held: 0, read: 0 };

  /** Flavors held (tests and metrics). */
  get size(): number {
    return this.flavors.size;
  }

  /**
   * The planner's selection when `query` is a `Flavor` entity fetch of immutable plain
   * fields only (no arguments, directives, aliases of other fields or nested selections);
   * null for anything else, which goes to the global subgraph as it is.
   */
  selection(query: string): FlavorField[] | null {
    let found = this.selections.get(query);
    if (!found) {
      found = { fields: flavorSelection(query) };
      this.selections.set(query, found);
    }
    return found.fields;
  }

  /** The held flavor with `id`, or undefined. */
  get(id: string): FlavorRecord | undefined {
    return this.flavors.get(id);
  }

  /** Holds `row` when it is a public flavor. */
  learn(row: FlavorRecord | null | undefined): void {
    if (row && row.isPublic === true && typeof row.id === 'string') this.flavors.set(row.id, row);
  }
}

/** Whether `rep` is a plain `{ __typename: "Flavor", id }` representation. */
export function isFlavorRepresentation(rep: unknown): rep is { __typename: 'Flavor'; id: string } {
  if (!rep || typeof rep !== 'object') return false;
  const keys = Object.keys(rep);
  const r = rep as Record<string, unknown>;
  return keys.length === 2 && r.__typename === 'Flavor' && typeof r.id === 'string';
}

/** `row` as the planner's selection asks for it. */
export function projectFlavor(row: FlavorRecord, fields: FlavorField[]): FlavorRecord {
  const out: FlavorRecord = {};
  for (const f of fields) out[f.key] = f.name === '__typename' ? 'Flavor' : (row[f.name] ?? null);
  return out;
}

function flavorSelection(query: string): FlavorField[] | null {
  let operation: OperationDefinitionNode | undefined;
  try {
    const document = parse(query);
    if (document.definitions.length !== 1) return null;
    const [definition] = document.definitions;
    if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'query') return null;
    operation = definition;
  } catch {
    return null;
  }
  const [root, ...more] = operation.selectionSet.selections;
  if (more.length || root.kind !== Kind.FIELD || root.name.value !== '_entities' || root.alias) return null;
  if (root.directives?.length || root.arguments?.length !== 1) return null;
  const [arg] = root.arguments;
  if (arg.name.value !== 'representations' || arg.value.kind !== Kind.VARIABLE) return null;
  if (arg.value.name.value !== 'representations') return null;
  const [fragment, ...others] = root.selectionSet?.selections ?? [];
  if (!fragment || others.length || fragment.kind !== Kind.INLINE_FRAGMENT) return null;
  if (fragment.typeCondition?.name.value !== 'Flavor' || fragment.directives?.length) return null;
  const fields: FlavorField[] = [];
  for (const selection of fragment.selectionSet.selections as readonly SelectionNode[]) {
    if (selection.kind !== Kind.FIELD || !IMMUTABLE.has(selection.name.value)) return null;
    if (selection.arguments?.length || selection.directives?.length || selection.selectionSet) return null;
    fields.push({ key: selection.alias?.value ?? selection.name.value, name: selection.name.value });
  }
  return fields.length ? fields : null;
}
