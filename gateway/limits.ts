import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

export interface LimitOptions {
  maxDepth: number;
  maxComplexity: number;
}

/** Refuses operations nested deeper than `maxDepth` (introspection fields are not counted). */
export function depthRule(maxDepth: number): ValidationRule {
  return depthLimit(maxDepth);
}

// A list with `first: n` costs n times its items (Relay connections), at least 1.
const connectionEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args.first === 'number' ? args.first : typeof args.representations === 'object' ? (args.representations as unknown[]).length : undefined;
  if (first === undefined) return undefined;
  return 1 + Math.max(first, 1) * childComplexity;
};

/**
 * Refuses operations whose estimated cost passes `maxComplexity`: every field costs 1,
 * a connection costs `first` times its selection. Needs the variables, so it runs as
 * a plugin after the operation is resolved rather than as a validation rule.
 */
export function complexityPlugin(maxComplexity: number, schemaOf: () => GraphQLSchema | undefined): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const schema = schemaOf();
          if (!schema) return;
          const complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName ?? undefined,
            variables: request.variables ?? {},
            estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > maxComplexity) {
            throw new GraphQLError(`query is too complex: ${complexity} exceeds the limit of ${maxComplexity}`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', complexity, maxComplexity, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
