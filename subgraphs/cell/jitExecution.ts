import {
  execute,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** What Apollo Server hands an executor (@apollo/server-gateway-interface, the fields used here). */
interface ExecutorRequest {
  request: { variables?: Record<string, unknown>; operationName?: string };
  context: object;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  queryHash: string;
}

/** How a cell subgraph runs its queries (CELLS_CELL_EXECUTION). */
export const CELL_EXECUTIONS = ['jit', 'graphql-js'] as const;
export type CellExecution = (typeof CELL_EXECUTIONS)[number];

/** Compiled operations kept: the gateway sends a few shapes; anything else is compiled again when evicted. */
export const JIT_CACHE_MAX = 64;

/**
 * Apollo Server's executor seam (its `gateway` option) over one fixed schema, running
 * queries with graphql-jit: each operation shape (Apollo's query hash and the operation
 * name) is compiled once into JavaScript and then run per request without graphql-js's
 * per-field interpretation. Mutations, variables graphql-js refuses, and any document
 * graphql-jit declines to compile run on graphql-js as before. Parsing, validation, plugins, context and
 * formatError stay Apollo's.
 */
export function jitExecution(schema: GraphQLSchema, cacheMax = JIT_CACHE_MAX) {
  const compiled = new LRUCache<string, { query: CompiledQuery | null }>({ max: cacheMax });
  const interpreted = (r: ExecutorRequest) =>
    execute({
      schema,
      document: r.document,
      contextValue: r.context,
      variableValues: r.request.variables,
      operationName: r.request.operationName,
    });
  const executor = async (r: ExecutorRequest) => {
    if (r.operation.operation !== 'query') return interpreted(r);
    // Variables graphql-js would refuse: its answer (and Apollo's 400 for it), word for word.
    const variables = getVariableValues(schema, r.operation.variableDefinitions ?? [], r.request.variables ?? {});
    if (variables.errors) return interpreted(r);
    const key = `${r.queryHash}:${r.request.operationName ?? ''}`;
    let entry = compiled.get(key);
    if (!entry) {
      const result = compileQuery(schema, r.document, r.request.operationName ?? undefined);
      entry = { query: isCompiledQuery(result) ? result : null };
      compiled.set(key, entry);
    }
    if (!entry.query) return interpreted(r);
    const result = (await entry.query.query(undefined, r.context, r.request.variables ?? {})) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
  return {
    onSchemaLoadOrUpdate(callback: (schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    load: async () => ({ executor }),
    stop: async () => undefined,
  };
}

/**
 * graphql-jit's errors are look-alikes of GraphQLError (its prototype, but `extensions`
 * undefined when the cause has none, which Apollo's error formatting reads). Made real
 * here, as graphql-js's locatedError makes them: the cause's message and extensions,
 * the path and locations, the cause kept as originalError for formatError.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const real = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
  if (error.locations) (real as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return real;
}
