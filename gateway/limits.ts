import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { collectFields } from '../infrastructure/collectFields';
import { ErrorCode } from '../domain/errors';
import { DEFAULT_FIRST } from './cellRouter/instanceList';
import { FANOUT_ROOT_FIELDS } from './cellRouter/listedConnections';

/** The gateway's limits on one operation (CELLS_MAX_* in config.ts). */
export interface LimitOptions {
  maxDepth: number;
  maxComplexity: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Root fields the router scatters to every cell, per operation. */
  maxFanouts: number;
}

/** What a connection costs when `first` is left out: the router fetches this many (the list's own default). */
export { DEFAULT_FIRST };

/** Root fields the cell router sends to every cell it can reach (cellRouterDataSource.ts, route). */
export const FANOUT_FIELDS: ReadonlySet<string> = new Set(FANOUT_ROOT_FIELDS);

// graphql-query-complexity throws past this many visited nodes; a fragment used twice per
// level doubles the nodes per level, so a few hundred tokens can reach it. Refused as too complex.
const MAX_QUERY_NODES = 10_000;

// Distinct (cells, operation name, variables) costs kept per document; a document sent with
// ever new variables (a cursor walk) starts over past this many.
const COMPLEXITIES_PER_DOCUMENT = 64;

/** Apollo Server's parseOptions: graphql-js stops lexing past the token cap, before any other work. */
export function parseOptions(options: Pick<LimitOptions, 'maxTokens'>): ParseOptions {
  return { maxTokens: options.maxTokens };
}

/**
 * Refuses an operation over a limit before it is planned, with HTTP 400, a code per
 * limit and extensions naming it (`limit`, its `value`, the request's `count`):
 * tokens (at parse, TOO_MANY_TOKENS), aliases, directives and depth (graphql-armor's
 * counting, TOO_MANY_ALIASES, TOO_MANY_DIRECTIVES, TOO_DEEP), root fan-outs
 * (TOO_MANY_FANOUTS) and the estimated cost (QUERY_TOO_COMPLEX). The cost counts what
 * the router really does: a connection costs `first` (DEFAULT_FIRST when left out)
 * times its selection, and a fan-out field that again for every cell it can reach.
 * Variables are read as graphql-js coerces them; when they do not coerce, the
 * gateway's executor refuses them (400 BAD_USER_INPUT) before planning, so this
 * plugin leaves them to it and never throws anything but its own 400s.
 */
export function limitsPlugin(options: LimitOptions, cellCount: () => Promise<number>): ApolloServerPlugin {
  const rules = [reservedAliases, ...armorRules(options)];
  // Apollo Server hands out one parsed document per query text (its document store), so
  // a document seen once is seen again: one that passed the rules passes them again, and
  // its cost for the same variables and cells is the same. A refused one is checked anew.
  const passed = new WeakMap<DocumentNode, { schema: GraphQLSchema; complexities: Map<string, number> }>();
  return {
    async requestDidStart() {
      return {
        // The token cap makes graphql-js's parse fail; Apollo answers that GRAPHQL_PARSE_FAILED, so give it its own code.
        async didEncounterErrors({ errors, source }) {
          for (const error of errors) {
            if (
              error.extensions.code !== ApolloServerErrorCode.GRAPHQL_PARSE_FAILED ||
              source === undefined ||
              !overTokens(source, options.maxTokens)
            )
              continue;
            error.message = `too many tokens: the document exceeds the limit of ${options.maxTokens}`;
            Object.assign(error.extensions, {
              code: ErrorCode.TOO_MANY_TOKENS,
              limit: 'CELLS_MAX_TOKENS',
              value: options.maxTokens,
            });
          }
        },
        async didResolveOperation({ request, document, operation, schema }) {
          if (!operation) return; // the executor answers a missing operation with its own 400
          const checked = passed.get(document);
          if (!checked || checked.schema !== schema) {
            const [refused] = validate(schema, document, rules);
            if (refused) throw refused;
          }
          const fanouts = fanoutCount(operation, document);
          if (fanouts > options.maxFanouts) {
            throw limitError(
              ErrorCode.TOO_MANY_FANOUTS,
              `too many fan-outs: ${fanouts} root lists over every cell exceed the limit of ${options.maxFanouts}`,
              'CELLS_MAX_FANOUTS',
              options.maxFanouts,
              fanouts,
            );
          }
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (!variables.coerced) return; // the executor answers these with Apollo's 400 BAD_USER_INPUT
          const cells = Math.max(await cellCount().catch(() => 1), 1);
          const complexities = checked?.schema === schema ? checked.complexities : new Map<string, number>();
          passed.set(document, { schema, complexities });
          const operationName = request.operationName ?? undefined;
          const key = `${cells}\0${operationName ?? ''}\0${JSON.stringify(variables.coerced)}`;
          let complexity = complexities.get(key);
          if (complexity === undefined) {
            complexity = estimate(schema, document, operationName, variables.coerced, cells);
            if (complexities.size >= COMPLEXITIES_PER_DOCUMENT) complexities.clear();
            complexities.set(key, complexity);
          }
          if (complexity > options.maxComplexity) {
            throw limitError(
              ErrorCode.QUERY_TOO_COMPLEX,
              `query is too complex: ${complexity} exceeds the limit of ${options.maxComplexity}`,
              'CELLS_MAX_COMPLEXITY',
              options.maxComplexity,
              complexity,
            );
          }
        },
      };
    },
  };
}

/** The estimated cost of an operation (exported for tests); Infinity when it is too large to estimate. */
export function estimate(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  cells: number,
): number {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName,
      variables,
      maxQueryNodes: MAX_QUERY_NODES,
      estimators: [connectionEstimator(schema, cells), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    return Infinity;
  }
}

// A connection costs `first` times its selection; a fan-out field at the root that again per cell.
function connectionEstimator(schema: GraphQLSchema, cells: number): ComplexityEstimator {
  const queryType = schema.getQueryType();
  return ({ type, field, args, childComplexity }) => {
    if (!field.args.some((a) => a.name === 'first')) return undefined;
    const first = typeof args.first === 'number' ? args.first : DEFAULT_FIRST;
    const reach = type === queryType && FANOUT_FIELDS.has(field.name) ? reachable(args.filter, cells) : 1;
    return 1 + Math.max(first, 1) * reach * childComplexity;
  };
}

// `filter.cellUuid` names one cell; `filter.uuids` can be in no more cells than there are uuids.
function reachable(filter: unknown, cells: number): number {
  const f = (filter ?? {}) as { cellUuid?: unknown; uuids?: unknown };
  if (typeof f.cellUuid === 'string') return 1;
  if (Array.isArray(f.uuids)) return Math.max(1, Math.min(cells, f.uuids.length));
  return cells;
}

function fanoutCount(operation: OperationDefinitionNode, document: DocumentNode): number {
  if (operation.operation !== 'query') return 0;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const keys = new Set(
    collectFields(operation.selectionSet, fragments)
      .filter((f) => FANOUT_FIELDS.has(f.name.value))
      .map((f) => f.alias?.value ?? f.name.value),
  );
  return keys.size;
}

/**
 * Names beginning with "__" are GraphQL's own (introspection) and, as aliases, the cell
 * router's: it asks the cells for its routing fields under `__cr_` aliases beside the
 * client's. A client alias there would collide with them and every cell would refuse the
 * request, read as cells failing; refused here instead, naming the alias, before any cell
 * is asked.
 */
const reservedAliases: ValidationRule = (context) => ({
  Field(node) {
    const alias = node.alias?.value;
    if (alias?.startsWith('__'))
      context.reportError(
        new GraphQLError(`alias ${JSON.stringify(alias)}: names beginning with "__" are reserved`, {
          nodes: [node],
          extensions: { code: ErrorCode.BAD_REQUEST, field: 'alias', value: alias, http: { status: 400 } },
        }),
      );
  },
});

// graphql-armor counts aliases, directives and depth; its refusals are reported as ours.
function armorRules(options: LimitOptions): ValidationRule[] {
  const refuse =
    (code: ErrorCode, limit: string, value: number, message: (count: string) => string) =>
    (context: ValidationContext | null, error: GraphQLError) => {
      const found = /found (\d+)/.exec(error.message)?.[1];
      const count = found === undefined ? undefined : Number(found);
      context?.reportError(limitError(code, message(found ?? 'more'), limit, value, count));
    };
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    costLimit: { enabled: false },
    // Counted at parse time instead (parseOptions): Apollo Server answers a throw from armor's parsing hook with HTTP 500.
    maxTokens: { enabled: false },
    maxAliases: {
      n: options.maxAliases,
      propagateOnRejection: false,
      onReject: [
        refuse(
          ErrorCode.TOO_MANY_ALIASES,
          'CELLS_MAX_ALIASES',
          options.maxAliases,
          (n) => `too many aliases: ${n} exceed the limit of ${options.maxAliases}`,
        ),
      ],
    },
    maxDirectives: {
      n: options.maxDirectives,
      propagateOnRejection: false,
      onReject: [
        refuse(
          ErrorCode.TOO_MANY_DIRECTIVES,
          'CELLS_MAX_DIRECTIVES',
          options.maxDirectives,
          (n) => `too many directives: ${n} exceed the limit of ${options.maxDirectives}`,
        ),
      ],
    },
    maxDepth: {
      n: options.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [
        refuse(
          ErrorCode.TOO_DEEP,
          'CELLS_MAX_DEPTH',
          options.maxDepth,
          (n) => `query is too deep: depth ${n} exceeds maximum operation depth of ${options.maxDepth}`,
        ),
      ],
    },
  }).protect();
  return validationRules;
}

function limitError(code: ErrorCode, message: string, limit: string, value: number, count?: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      limit,
      value,
      ...(count !== undefined && Number.isFinite(count) ? { count } : {}),
      http: { status: 400 },
    },
  });
}

// Whether `source` has more than `max` tokens (lexing stops at max + 1; a lexing error is a plain syntax error).
function overTokens(source: string, max: number): boolean {
  try {
    const lexer = new Lexer(new Source(source));
    for (let count = 0; lexer.advance().kind !== TokenKind.EOF;) if (++count > max) return true;
  } catch {
    return false;
  }
  return false;
}
