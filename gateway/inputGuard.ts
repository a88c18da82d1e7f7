import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  GraphQLID,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { badInput } from '../domain/errors';
import { CLEAN_TEXT, isUuid, textFault } from '../domain/inputText';
import { checkPattern, refusedPattern } from '../domain/namePattern';
import type { GatewayContext } from './context';
import type { Outcome } from '../domain/outcome';

export interface InputGuardOptions {
  /**
   * PostgreSQL's reason for refusing `pattern` as a regular expression, or null when it
   * accepts it (GlobalClient.namePatternError). When it cannot be asked, the cells are.
   */
  patternError?: (pattern: string, requestId: string) => Promise<Outcome<string | null>>;
  /** Distinct patterns whose verdict is remembered. */
  patternCacheSize?: number;
}

/** A regular-expression input field: the input type and field whose value PostgreSQL evaluates with `~`. */
const PATTERN_FIELDS: ReadonlySet<string> = new Set(['InstanceFilter.name']);

/**
 * Checks every argument and input field of an operation, as graphql-js coerces them,
 * before it is planned: no string (in any argument, input field or JSON value) may
 * hold a NUL byte or an unpaired surrogate; an ID whose name says uuid (`uuid`,
 * `uuids`, `…Uuid`, `…Uuids`) must be one, a DateTime a timestamp (the API schema
 * knows custom scalars by name only); a name pattern must be one PostgreSQL
 * accepts (asked once per distinct pattern). A refusal is HTTP 400 BAD_USER_INPUT
 * naming the field (`filter.uuids[1]`), so a bad value is never sent to every cell.
 * Variables that do not coerce are left to the executor (Apollo's own 400).
 */
export function inputGuardPlugin(options: InputGuardOptions = {}): ApolloServerPlugin<GatewayContext> {
  const verdicts = new Map<string, string | null>();
  const cacheSize = options.patternCacheSize ?? 1000;

  async function checkPatternHere(field: string, pattern: string, requestId: string): Promise<void> {
    if (!options.patternError) return;
    let verdict = verdicts.get(pattern);
    if (verdict === undefined) {
      const asked = await options.patternError(pattern, requestId);
      if (!asked.ok) return; // the global subgraph did not answer: the cells will judge the pattern
      verdict = asked.value;
      if (verdicts.size >= cacheSize) verdicts.delete(verdicts.keys().next().value!);
      verdicts.set(pattern, verdict);
    }
    if (verdict !== null) throw refusedPattern(field, pattern, verdict);
  }

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema, contextValue }) {
          if (!operation) return;
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (!variables.coerced) return;
          try {
            const patterns = checkArguments(schema, document, operation, variables.coerced);
            for (const [pattern, field] of patterns) await checkPatternHere(field, pattern, contextValue.requestId);
          } catch (err) {
            throw asHttp400(err);
          }
        },
      };
    },
  };
}

/**
 * Walks every field the operation selects (fragments included) and checks each
 * argument value against its type; answers the name patterns found (pattern → field).
 * Throws BAD_USER_INPUT for the first bad value. Exported for tests.
 */
export function checkArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Map<string, string> {
  const patterns = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const definition = typeInfo.getFieldDef();
      if (!definition || definition.args.length === 0) return;
      let values: Record<string, unknown>;
      try {
        values = getArgumentValues(definition, node, variables);
      } catch {
        return; // validation and the executor refuse what does not coerce
      }
      for (const arg of definition.args) {
        if (arg.name in values) checkValue(arg.type, values[arg.name], arg.name, arg.name, patterns);
      }
    },
  });
  for (const root of reachable(document, operation)) visit(root, visitor);
  return patterns;
}

function checkValue(
  type: GraphQLInputType,
  value: unknown,
  path: string,
  name: string,
  patterns: Map<string, string>,
): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value))
      value.forEach((item, i) => checkValue(nullable.ofType, item, `${path}[${i}]`, name, patterns));
    else checkValue(nullable.ofType, value, path, name, patterns);
    return;
  }
  if (isInputObjectType(nullable)) {
    const record = value as Record<string, unknown>;
    for (const field of Object.values(nullable.getFields())) {
      if (!(field.name in record)) continue;
      checkValue(field.type, record[field.name], `${path}.${field.name}`, field.name, patterns);
      if (PATTERN_FIELDS.has(`${nullable.name}.${field.name}`) && typeof record[field.name] === 'string') {
        const pattern = checkPattern(`${path}.${field.name}`, record[field.name] as string);
        if (!patterns.has(pattern)) patterns.set(pattern, `${path}.${field.name}`);
      }
    }
    return;
  }
  checkText(value, path);
  const named = getNamedType(nullable);
  if (named === GraphQLID && UUID_NAME.test(name) && !isUuid(value)) throw badInput(path, value, 'a uuid');
  // The API schema knows DateTime only by name (any literal passes); the subgraphs parse it.
  if (named.name === 'DateTime' && !(typeof value === 'string' && !Number.isNaN(Date.parse(value))))
    throw badInput(path, value, 'an ISO-8601 timestamp');
}

// An ID whose argument or input field name says it holds a uuid.
const UUID_NAME = /^uuids?$|Uuids?$/;

// Any string inside the value (a JSON scalar's keys and values too).
function checkText(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (textFault(value)) throw badInput(path, value, CLEAN_TEXT);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkText(item, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (textFault(key)) throw badInput(`${path} key`, key, CLEAN_TEXT);
      checkText(item, `${path}.${key}`);
    }
  }
}

// The operation and every fragment it spreads, directly or through other fragments.
function reachable(document: DocumentNode, operation: OperationDefinitionNode): ASTNode[] {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const roots: ASTNode[] = [operation];
  const seen = new Set<string>();
  for (let i = 0; i < roots.length; i++) {
    visit(roots[i], {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          roots.push(fragment);
        }
      },
    });
  }
  return roots;
}

// Refusals from didResolveOperation keep their code and answer HTTP 400 (Apollo's default there is 500).
function asHttp400(err: unknown): unknown {
  if (!(err instanceof GraphQLError)) return err;
  return new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status: 400 } } });
}
