import { buildSubgraphSchema } from '@apollo/subgraph';
import { LRUCache } from 'lru-cache';
import {
  getArgumentValues,
  getVariableValues,
  Kind,
  parse,
  print,
  valueFromASTUntyped,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { collectFields } from '../../infrastructure/collectFields';
import { readSubgraphSdls } from '../supergraph';

/** The operation the query planner sent to the logical `cell` service, taken apart. */
export interface PlannedOperation {
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
  /** As the client sent them: forwarded to the cells, which coerce them themselves. */
  variables: Record<string, unknown>;
  /** Root fields in order, with their response key (alias or name). */
  rootFields: RootField[];
}

export interface RootField {
  responseKey: string;
  name: string;
  node: FieldNode;
  /**
   * Argument values as graphql-js coerces them for the cell schema (what a cell's
   * resolver would get): variables substituted, one value where a list is expected
   * made a one-item list, input defaults filled.
   */
  args: Record<string, unknown>;
}

let cellSchemaOnce: GraphQLSchema | undefined;

/** The schema every cell serves (from its SDL file), which the planner's operations to `cell` are written against. */
export function cellSchema(): GraphQLSchema {
  cellSchemaOnce ??= buildSubgraphSchema({ typeDefs: parse(readSubgraphSdls().cell) });
  return cellSchemaOnce;
}

/**
 * Parses `query` and lists the root fields of the operation it holds, their arguments
 * coerced against `schema` the way the cells will read them, so the router never sees
 * another shape than they do (a `sort` variable given as one object is a list of one).
 */
export function parseOperation(
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
  schema: GraphQLSchema = cellSchema(),
): PlannedOperation {
  const { operation, fragments, rootNodes } = parsedDocument(query, operationName, schema);
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  const values = coerced.coerced ?? variables;
  const rootType = schema.getRootType(operation.operation);
  const rootFields = rootNodes.map((node) => ({
    responseKey: node.alias?.value ?? node.name.value,
    name: node.name.value,
    node,
    args: argumentValues(rootType?.getFields()[node.name.value], node, values),
  }));
  return { operation, fragments, variables, rootFields };
}

/** What parseOperation reads from the query text alone, whatever the variables. */
interface ParsedDocument {
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
  rootNodes: FieldNode[];
}

// The planner sends the same few operation texts over and over (one per query plan it
// caches): each is parsed once. The nodes are shared by every request of that text, so
// nothing downstream may change them (nothing does: new selections are new nodes).
const PARSED_MAX = 500;
const parsedBySchema = new WeakMap<GraphQLSchema, LRUCache<string, ParsedDocument>>();

function parsedDocument(query: string, operationName: string | undefined, schema: GraphQLSchema): ParsedDocument {
  let cache = parsedBySchema.get(schema);
  if (!cache) parsedBySchema.set(schema, (cache = new LRUCache({ max: PARSED_MAX })));
  const key = `${operationName ?? ''}\0${query}`;
  let parsed = cache.get(key);
  if (!parsed) {
    const document = parse(query);
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
    if (!operation) throw new Error(`no operation ${operationName ?? ''} in the planned query`);
    const fragments = fragmentMap(document);
    parsed = { operation, fragments, rootNodes: collectFields(operation.selectionSet, fragments) };
    cache.set(key, parsed);
  }
  return parsed;
}

// The gateway validated the operation and its variables against the same types before
// planning; a field or value the cell schema does not know (never expected) is read as sent.
function argumentValues(
  definition: Parameters<typeof getArgumentValues>[0] | undefined,
  node: FieldNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  if (definition) {
    try {
      return getArgumentValues(definition, node, variables);
    } catch {
      // fall through: the cell will refuse it with its own error
    }
  }
  return Object.fromEntries((node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]));
}

/** A request to one cell: the query text and the variables it declares. */
export interface CellRequest {
  query: string;
  variables: Record<string, unknown>;
  /** A query may be sent again when a kept-alive connection turns out to be dead. */
  idempotent?: boolean;
}

/**
 * A request with one operation whose root is `rootFields`, keeping only the fragments
 * and variables they use (a subgraph refuses unused ones). `extra` adds variables the
 * router introduces, with their values.
 */
export function buildOperation(
  planned: PlannedOperation,
  rootFields: FieldNode[],
  extra: { definition: VariableDefinitionNode; value: unknown }[] = [],
): CellRequest {
  const { query, variableNames } = printedOperation(
    planned,
    rootFields,
    extra.map((e) => e.definition),
  );
  const values: Record<string, unknown> = { ...planned.variables };
  for (const e of extra) values[e.definition.variable.name.value] = e.value;
  const variables: Record<string, unknown> = {};
  for (const name of variableNames) if (name in values) variables[name] = values[name];
  return { query, variables, idempotent: planned.operation.operation === 'query' };
}

/** The text of a request to a cell and the variables it declares: the same for the same nodes. */
interface PrintedOperation {
  query: string;
  variableNames: string[];
}

// Printed requests by the operation they come from, then by the identity of their root
// field and extra variable nodes. With parseOperation's cache the same planned operation
// (and the router's own nodes built once per operation) come back request after request,
// so the list's requests to the cells are printed once. Nodes made per request (cell
// summaries' aliases) miss, so each operation keeps only its last few.
const PRINTED_PER_OPERATION = 16;
const printedByOperation = new WeakMap<OperationDefinitionNode, Map<string, PrintedOperation>>();
const nodeIds = new WeakMap<object, number>();
let nextNodeId = 0;

function nodeId(node: object): number {
  let id = nodeIds.get(node);
  if (id === undefined) nodeIds.set(node, (id = ++nextNodeId));
  return id;
}

function printedOperation(
  planned: PlannedOperation,
  rootFields: FieldNode[],
  extra: VariableDefinitionNode[],
): PrintedOperation {
  let printed = printedByOperation.get(planned.operation);
  if (!printed) printedByOperation.set(planned.operation, (printed = new Map()));
  const key = `${rootFields.map(nodeId).join(',')}|${extra.map(nodeId).join(',')}`;
  let found = printed.get(key);
  if (!found) {
    found = printOperation(planned, rootFields, extra);
    if (printed.size >= PRINTED_PER_OPERATION) printed.clear();
    printed.set(key, found);
  }
  return found;
}

function printOperation(
  planned: PlannedOperation,
  rootFields: FieldNode[],
  extra: VariableDefinitionNode[],
): PrintedOperation {
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: rootFields };
  const { document, variableNames } = operationDocument(planned.operation, selectionSet, planned.fragments, extra);
  return { query: print(document), variableNames };
}

/** The fragment definitions of a document, by name. */
export function fragmentMap(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
}

/**
 * A document of `operation` with `selectionSet` as its root, keeping only the fragments it
 * spreads and the variables it uses (of its own definitions and `extra`): a subgraph refuses
 * unused ones. Also the names of the variables it declares.
 */
export function operationDocument(
  operation: OperationDefinitionNode,
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  extra: VariableDefinitionNode[] = [],
): { document: DocumentNode; variableNames: string[] } {
  const usedFragments = fragmentsUsedBy(selectionSet, fragments);
  const usedVariables = new Set<string>();
  const collectVariables = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, { Variable: (v) => void usedVariables.add(v.name.value) });
  collectVariables(selectionSet);
  for (const name of usedFragments) collectVariables(fragments.get(name)!);
  const variableDefinitions = [...(operation.variableDefinitions ?? []), ...extra].filter((d) =>
    usedVariables.has(d.variable.name.value),
  );
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      { ...operation, name: operation.name, variableDefinitions, selectionSet },
      ...[...usedFragments].map((name) => fragments.get(name)!),
    ],
  };
  return { document, variableNames: variableDefinitions.map((d) => d.variable.name.value) };
}

function fragmentsUsedBy(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): Set<string> {
  const used = new Set<string>();
  const pending: SelectionSetNode[] = [selectionSet];
  while (pending.length) {
    visit(pending.pop()!, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name) || !fragments.has(name)) return;
        used.add(name);
        pending.push(fragments.get(name)!.selectionSet);
      },
    });
  }
  return used;
}

/** A field node built from source, e.g. `field('__cr_edges: edges { cursor }')`. */
export function field(source: string): FieldNode {
  const op = parse(`{ ${source} }`).definitions[0] as OperationDefinitionNode;
  return op.selectionSet.selections[0] as FieldNode;
}

/** A variable definition built from source, e.g. `variableDefinition('$__cr_first: Int')`. */
export function variableDefinition(source: string): VariableDefinitionNode {
  const op = parse(`query(${source}) { __typename }`).definitions[0] as OperationDefinitionNode;
  return op.variableDefinitions![0];
}
