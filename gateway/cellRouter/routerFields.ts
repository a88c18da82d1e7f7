import { buildSubgraphSchema } from '@apollo/subgraph';
import { LRUCache } from 'lru-cache';
import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type GraphQLFormattedError,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../../domain/errors';
import { inSpan, SpanKind } from '../../infrastructure/tracing';
import { IMMUTABLE_FLAVOR_FIELDS, type FlavorRecord, type FlavorsRead } from '../publicFlavors';
import { readSubgraphSdls, withRouterFields } from '../supergraph';
import { fragmentMap, operationDocument, type CellRequest } from './operation';

/*
 * The fields the cell router answers itself (routerFields.graphql, composed into the
 * `cell` service by gateway/supergraph.ts): taken out of every request to a cell, and put
 * back into the answer from what the router knows: `Instance.cell` into each cell's
 * answer (the cell it asked), an instance's flavor fields into the whole answer once the
 * cells answered (the flavors read for the page, fillRouterFlavors).
 */

/** The fields of an instance's flavor the router fills in: those that never change, but `id` (the cell's). */
export const ROUTER_FLAVOR_FIELDS: ReadonlySet<string> = new Set(IMMUTABLE_FLAVOR_FIELDS.filter((f) => f !== 'id'));

/**
 * The key under which a cell's answer carries an instance's flavor id, for the fill (the
 * router adds `__cr_fid: id` to each `Instance.flavor` of a request that asks for one
 * of ROUTER_FLAVOR_FIELDS; the gateway shapes the answer by the client's selection, so
 * the key never reaches a client). Records the router makes up carry it too.
 */
export const FLAVOR_ID_KEY = '__cr_fid';

/** The cell an object came from, as `Instance.cell` answers it. */
export interface OriginCell {
  uuid: string;
  name: string | null;
}

/** `Instance.cell` as the router answers it for an instance of `cell` (before the client's selection shapes it). */
export function cellValue(cell: OriginCell | null): Record<string, unknown> | null {
  return cell ? { __typename: 'Cell', uuid: cell.uuid, name: cell.name } : null;
}

/**
 * A request to a cell with the router's own fields taken out, and what puts them back
 * into the cell's answer: `fill` is null when the request asked for none.
 */
export interface RoutedRequest {
  request: CellRequest;
  fill: ((data: Record<string, unknown>, cell: OriginCell) => void) | null;
}

// Nodes whose @skip/@include decide whether a field is in the answer.
type Conditional = FieldNode | InlineFragmentNode | FragmentSpreadNode;

/** A selected field of `Cell` or `Flavor`, and the directives on the way to it. */
interface SubFieldSpot {
  key: string;
  name: string;
  conditions: Conditional[];
}

/** Where, under one object of the answer, `Instance.cell` (or `Instance.flavor`) was asked for. */
interface FieldSpot {
  key: string;
  conditions: Conditional[];
  fields: SubFieldSpot[];
}

/** The answer's paths that lead to the spots of one router field: response keys down to the instances. */
interface FillNode {
  spots: FieldSpot[];
  children: Map<string, FillNode>;
}

/** The `Instance` field a fill plan is about. */
type RouterField = 'cell' | 'flavor';

interface Rewritten {
  query: string;
  /** The variables the rewritten operation still declares (null: all of them, nothing was taken out). */
  declared: Set<string> | null;
  /** Where `Instance.cell` goes back into a cell's answer (null: not asked for). */
  plan: FillNode | null;
}

let routerSchemaOnce: GraphQLSchema | undefined;

// The planner writes its operations against the cell SDL plus the router's fields.
function routerSchema(): GraphQLSchema {
  routerSchemaOnce ??= buildSubgraphSchema({ typeDefs: withRouterFields(parse(readSubgraphSdls().cell)) });
  return routerSchemaOnce;
}

// The planner sends the same few operation texts again and again: each is rewritten once.
const rewrittenByQuery = new LRUCache<string, Rewritten>({ max: 500 });

/**
 * Takes the router's own fields out of `request` (a cell would refuse them) and says how
 * to put them back into the cell's answer. Requests that ask for none go as they are.
 */
export function routeRouterFields(request: CellRequest): RoutedRequest {
  let rewritten = rewrittenByQuery.get(request.query);
  if (!rewritten) {
    rewritten = rewrite(request.query);
    rewrittenByQuery.set(request.query, rewritten);
  }
  const { plan, declared } = rewritten;
  if (!declared) return { request, fill: null };
  const variables = Object.fromEntries(Object.entries(request.variables).filter(([name]) => declared.has(name)));
  return {
    request: { ...request, query: rewritten.query, variables },
    fill: plan ? (data, cell) => fillNode(data, plan, request.variables, cell) : null,
  };
}

function rewrite(query: string): Rewritten {
  const untouched = { query, declared: null, plan: null };
  if (!/\b(cell|flavor)\b/.test(query)) return untouched;
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return untouched; // the cell refuses it with its own error
  }
  const schema = routerSchema();
  const fragments = fragmentMap(document);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return untouched;
  const plan = planNode('cell', schema, operation.selectionSet, root, [], fragments, new Set());
  const flavors = planNode('flavor', schema, operation.selectionSet, root, [], fragments, new Set());
  if (!plan && !flavors) return untouched;
  // Without the router's fields, and so without the fragments and variables only they used (a cell refuses both).
  const stripped = stripRouterFields(schema, document, flavors !== null);
  const strippedOperation = stripped.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const sent = operationDocument(strippedOperation, strippedOperation.selectionSet, fragmentMap(stripped));
  return { query: print(sent.document), declared: new Set(sent.variableNames), plan };
}

// The router field `field` of `parent` is, if any.
function routerField(
  parent: GraphQLNamedType | null | undefined,
  field: FieldNode,
): RouterField | 'flavorField' | null {
  if (parent?.name === 'Instance') {
    if (field.name.value === 'cell') return 'cell';
    if (field.name.value === 'flavor') return 'flavor';
  }
  if (parent?.name === 'Flavor' && ROUTER_FLAVOR_FIELDS.has(field.name.value)) return 'flavorField';
  return null;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
const FLAVOR_ID: FieldNode = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: FLAVOR_ID_KEY },
  name: { kind: Kind.NAME, value: 'id' },
};

/**
 * The document without the router's fields (`Instance.cell`, the flavor fields the router
 * fills); with `flavorIds`, each `Instance.flavor` also asks for its id under
 * FLAVOR_ID_KEY. A selection set left empty keeps `__typename`.
 */
function stripRouterFields(schema: GraphQLSchema, document: DocumentNode, flavorIds: boolean): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter: (node) => {
          const kind = routerField(typeInfo.getParentType(), node);
          return kind === 'cell' || kind === 'flavorField' ? null : undefined;
        },
        leave: (node) => {
          if (!flavorIds || !node.selectionSet || routerField(typeInfo.getParentType(), node) !== 'flavor') return;
          return {
            ...node,
            selectionSet: { ...node.selectionSet, selections: [...node.selectionSet.selections, FLAVOR_ID] },
          };
        },
      },
      SelectionSet: {
        leave: (node) => (node.selections.length ? undefined : { ...node, selections: [TYPENAME] }),
      },
    }),
  );
}

// The paths of the answer that lead to `Instance.<field>` asking for router-answered fields, by response key; null when there are none.
function planNode(
  field: RouterField,
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType,
  conditions: Conditional[],
  fragments: Map<string, FragmentDefinitionNode>,
  spreading: Set<string>,
  into: FillNode = { spots: [], children: new Map() },
): FillNode | null {
  for (const selection of selectionSet.selections) {
    const held = selection.directives?.length ? [...conditions, selection] : conditions;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const kind = routerField(parent, selection);
      if (kind === 'cell' || kind === 'flavor') {
        if (kind !== field) continue;
        let fields = subFields(selection.selectionSet, [], fragments);
        if (field === 'flavor') fields = fields.filter((f) => ROUTER_FLAVOR_FIELDS.has(f.name));
        if (fields.length) into.spots.push({ key, conditions: held, fields });
        continue;
      }
      if (!selection.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) continue;
      const definition = parent.getFields()[selection.name.value];
      if (!definition) continue;
      const child = into.children.get(key) ?? { spots: [], children: new Map() };
      if (
        planNode(
          field,
          schema,
          selection.selectionSet,
          getNamedType(definition.type),
          held,
          fragments,
          spreading,
          child,
        )
      )
        into.children.set(key, child);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && spreading.has(selection.name.value))) continue;
      const typed = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      if (!typed) continue;
      const inner = selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...spreading, selection.name.value]) : spreading;
      planNode(field, schema, fragment.selectionSet, typed, held, fragments, inner, into);
    }
  }
  return into.spots.length || into.children.size ? into : null;
}

// The fields selected on a `Cell` or `Flavor`, fragments flattened (each spread once on a path), each with the directives on the way.
function subFields(
  selectionSet: SelectionSetNode | undefined,
  conditions: Conditional[],
  fragments: Map<string, FragmentDefinitionNode>,
  spreading: ReadonlySet<string> = new Set(),
): SubFieldSpot[] {
  const fields: SubFieldSpot[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    const held = selection.directives?.length ? [...conditions, selection] : conditions;
    if (selection.kind === Kind.FIELD) {
      fields.push({
        key: selection.alias?.value ?? selection.name.value,
        name: selection.name.value,
        conditions: held,
      });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...subFields(selection.selectionSet, held, fragments, spreading));
    } else if (!spreading.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value);
      const inner = new Set([...spreading, selection.name.value]);
      if (fragment) fields.push(...subFields(fragment.selectionSet, held, fragments, inner));
    }
  }
  return fields;
}

function included(conditions: Conditional[], variables: Record<string, unknown>): boolean {
  return conditions.every(
    (node) =>
      getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
      getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false,
  );
}

/** Calls `visitSpots` for every object of `value` at one of `node`'s spots (an instance, or an object not saying it is another type). */
function walk(
  value: unknown,
  node: FillNode,
  path: (string | number)[],
  visitSpots: (object: Record<string, unknown>, spots: FieldSpot[], path: (string | number)[]) => void,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, node, [...path, i], visitSpots));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  if (node.spots.length && (object.__typename === undefined || object.__typename === 'Instance'))
    visitSpots(object, node.spots, path);
  for (const [key, child] of node.children) walk(object[key], child, [...path, key], visitSpots);
}

// Puts `Instance.cell` into every instance of a cell's answer where the request asked for it.
function fillNode(value: unknown, node: FillNode, variables: Record<string, unknown>, cell: OriginCell): void {
  walk(value, node, [], (object, spots) => {
    for (const spot of spots) {
      if (!included(spot.conditions, variables)) continue;
      const answer = (object[spot.key] ?? {}) as Record<string, unknown>;
      for (const field of spot.fields) {
        if (!included(field.conditions, variables)) continue;
        answer[field.key] = field.name === '__typename' ? 'Cell' : field.name === 'uuid' ? cell.uuid : cell.name;
      }
      object[spot.key] = answer;
    }
  });
}

// ─── An instance's flavor ──────────────────────────────────────────────────────────────

interface FlavorPlan {
  plan: FillNode | null;
}

// The planner sends the same few operation texts again and again: each is planned once.
const flavorPlans = new LRUCache<string, FlavorPlan>({ max: 500 });

function flavorPlan(query: string): FillNode | null {
  let found = flavorPlans.get(query);
  if (!found) {
    found = { plan: planFlavors(query) };
    flavorPlans.set(query, found);
  }
  return found.plan;
}

function planFlavors(query: string): FillNode | null {
  if (!/\bflavor\b/.test(query)) return null;
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return null;
  }
  const schema = routerSchema();
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return null;
  return planNode('flavor', schema, operation.selectionSet, root, [], fragmentMap(document), new Set());
}

/** Where an instance's flavor is to be filled: the flavor object, its id, the fields asked for, its path in the answer. */
interface FlavorSpot {
  owner: Record<string, unknown>;
  key: string;
  id: string | null;
  fields: SubFieldSpot[];
  path: (string | number)[];
}

/**
 * Fills the flavor fields the router answers (ROUTER_FLAVOR_FIELDS) into `data`, the
 * answer to the planner's `query`, once its cells answered: every flavor of the page
 * read at once (`read`: held public ones, the others from the global subgraph under the
 * caller's identity). A flavor the caller may not see, or that no longer exists, is null,
 * as the global subgraph answers it; one that could not be read is null with a
 * GLOBAL_UNAVAILABLE error at its path. Answers those errors; a query without such fields costs nothing.
 */
export async function fillRouterFlavors(
  query: string,
  variables: Record<string, unknown>,
  data: Record<string, unknown>,
  read: (ids: string[]) => Promise<FlavorsRead>,
): Promise<GraphQLFormattedError[]> {
  const plan = flavorPlan(query);
  if (!plan) return [];
  return inSpan('cells.flavor_fill', SpanKind.INTERNAL, {}, async (span) => {
    const spots: FlavorSpot[] = [];
    walk(data, plan, [], (owner, flavorSpots, path) => {
      for (const spot of flavorSpots) {
        const flavor = owner[spot.key];
        if (!flavor || typeof flavor !== 'object' || !included(spot.conditions, variables)) continue;
        const fields = spot.fields.filter((f) => included(f.conditions, variables));
        const id = (flavor as Record<string, unknown>)[FLAVOR_ID_KEY];
        spots.push({ owner, key: spot.key, id: typeof id === 'string' ? id : null, fields, path: [...path, spot.key] });
      }
    });
    if (!spots.length) return [];
    const ids = spots.flatMap((s) => (s.id && s.fields.length ? [s.id] : []));
    const { rows, failure } = ids.length
      ? await read(ids)
      : { rows: new Map<string, FlavorRecord | null>(), failure: null };
    const errors: GraphQLFormattedError[] = [];
    for (const spot of spots) {
      const flavor = spot.owner[spot.key] as Record<string, unknown> | null;
      if (!flavor) continue; // another spot under the same key already answered null
      if (!spot.fields.length) {
        delete flavor[FLAVOR_ID_KEY]; // every field it asks for is left out by @skip/@include
        continue;
      }
      const row = spot.id ? rows.get(spot.id) : null;
      if (!row) {
        spot.owner[spot.key] = null;
        if (row === undefined && failure)
          errors.push({
            message: failure.message,
            path: spot.path,
            extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
          });
        continue;
      }
      delete flavor[FLAVOR_ID_KEY]; // after every spot read it: two spots may share one flavor under one key
      for (const field of spot.fields) flavor[field.key] = row[field.name] ?? null;
    }
    span.setAttribute('cells.flavors', spots.length);
    return errors;
  });
}
