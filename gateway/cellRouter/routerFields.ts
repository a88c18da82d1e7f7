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
  type SelectionSetNode,
} from 'graphql';
import { readSubgraphSdls, withRouterFields } from '../supergraph';
import { fragmentMap, operationDocument, type CellRequest } from './operation';

/*
 * The fields the cell router answers itself (routerFields.graphql, composed into the
 * `cell` service by gateway/supergraph.ts): taken out of every request to a cell, and put
 * back into its answer from what the router knows, the cell it asked.
 */

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

/** A selected field of `Cell`, and the directives on the way to it. */
interface CellFieldSpot {
  key: string;
  name: string;
  conditions: Conditional[];
}

/** Where, under one object of the answer, `Instance.cell` was asked for. */
interface CellSpot {
  key: string;
  conditions: Conditional[];
  fields: CellFieldSpot[];
}

/** The answer's paths that lead to an `Instance.cell`: response keys down to the instances. */
interface FillNode {
  spots: CellSpot[];
  children: Map<string, FillNode>;
}

interface Rewritten {
  query: string;
  /** The variables the rewritten operation still declares (null: all of them, nothing was taken out). */
  declared: Set<string> | null;
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
  if (!plan) return { request, fill: null };
  const variables = Object.fromEntries(Object.entries(request.variables).filter(([name]) => declared!.has(name)));
  return {
    request: { ...request, query: rewritten.query, variables },
    fill: (data, cell) => fillNode(data, plan, request.variables, cell),
  };
}

function rewrite(query: string): Rewritten {
  if (!/\bcell\b/.test(query)) return { query, declared: null, plan: null };
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return { query, declared: null, plan: null }; // the cell refuses it with its own error
  }
  const schema = routerSchema();
  const fragments = fragmentMap(document);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return { query, declared: null, plan: null };
  const plan = planNode(schema, operation.selectionSet, root, [], fragments, new Set());
  if (!plan) return { query, declared: null, plan: null };
  // Without the router's fields, and so without the fragments and variables only they used (a cell refuses both).
  const stripped = stripRouterFields(schema, document);
  const strippedOperation = stripped.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const sent = operationDocument(strippedOperation, strippedOperation.selectionSet, fragmentMap(stripped));
  return { query: print(sent.document), declared: new Set(sent.variableNames), plan };
}

function isRouterField(parent: GraphQLNamedType | null | undefined, field: FieldNode): boolean {
  return parent?.name === 'Instance' && field.name.value === 'cell';
}

// The document without the router's fields; a selection set left empty keeps `__typename`.
function stripRouterFields(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter: (node) => (isRouterField(typeInfo.getParentType(), node) ? null : undefined),
      },
      SelectionSet: {
        leave: (node) => (node.selections.length ? undefined : { ...node, selections: [typename] }),
      },
    }),
  );
}

// The paths of the answer that lead to `Instance.cell`, by response key; null when there are none.
function planNode(
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
      if (isRouterField(parent, selection)) {
        into.spots.push({ key, conditions: held, fields: cellFields(selection.selectionSet, [], fragments) });
        continue;
      }
      if (!selection.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) continue;
      const definition = parent.getFields()[selection.name.value];
      if (!definition) continue;
      const child = into.children.get(key) ?? { spots: [], children: new Map() };
      if (planNode(schema, selection.selectionSet, getNamedType(definition.type), held, fragments, spreading, child))
        into.children.set(key, child);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && spreading.has(selection.name.value))) continue;
      const typed = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      if (!typed) continue;
      const inner = selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...spreading, selection.name.value]) : spreading;
      planNode(schema, fragment.selectionSet, typed, held, fragments, inner, into);
    }
  }
  return into.spots.length || into.children.size ? into : null;
}

// The fields selected on a `Cell`, fragments flattened (each spread once on a path), each with the directives on the way.
function cellFields(
  selectionSet: SelectionSetNode | undefined,
  conditions: Conditional[],
  fragments: Map<string, FragmentDefinitionNode>,
  spreading: ReadonlySet<string> = new Set(),
): CellFieldSpot[] {
  const fields: CellFieldSpot[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    const held = selection.directives?.length ? [...conditions, selection] : conditions;
    if (selection.kind === Kind.FIELD) {
      fields.push({
        key: selection.alias?.value ?? selection.name.value,
        name: selection.name.value,
        conditions: held,
      });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...cellFields(selection.selectionSet, held, fragments, spreading));
    } else if (!spreading.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value);
      const inner = new Set([...spreading, selection.name.value]);
      if (fragment) fields.push(...cellFields(fragment.selectionSet, held, fragments, inner));
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

// Puts `Instance.cell` into every instance of a cell's answer where the request asked for it.
function fillNode(value: unknown, node: FillNode, variables: Record<string, unknown>, cell: OriginCell): void {
  if (Array.isArray(value)) {
    for (const item of value) fillNode(item, node, variables, cell);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  if (node.spots.length && (object.__typename === undefined || object.__typename === 'Instance')) {
    for (const spot of node.spots) {
      if (!included(spot.conditions, variables)) continue;
      const answer = (object[spot.key] ?? {}) as Record<string, unknown>;
      for (const field of spot.fields) {
        if (!included(field.conditions, variables)) continue;
        answer[field.key] = field.name === '__typename' ? 'Cell' : field.name === 'uuid' ? cell.uuid : cell.name;
      }
      object[spot.key] = answer;
    }
  }
  for (const [key, child] of node.children) fillNode(object[key], child, variables, cell);
}
