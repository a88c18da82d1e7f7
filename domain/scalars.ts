import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** ISO-8601 UTC with milliseconds, the same format the cell subgraph uses. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime: cannot serialize ${JSON.stringify(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError(`DateTime: expected an ISO-8601 string, got a ${ast.kind}`);
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new GraphQLError(`DateTime: expected an ISO-8601 string, got ${JSON.stringify(value)}`);
  return date;
}

/** Any JSON value, passed through as it is. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalValue(ast, variables ?? undefined),
});

// JSON written inline in a query: objects, lists and scalars, variables substituted.
function literalValue(ast: ValueNode, variables: Record<string, unknown> | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.ENUM:
      return ast.value;
    case Kind.LIST:
      return ast.values.map((value) => literalValue(value, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default: {
      const never: never = ast;
      throw new GraphQLError(`JSON: unsupported literal ${JSON.stringify(never)}`);
    }
  }
}
