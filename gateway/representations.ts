import type { GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';

/** What a subgraph data source answers. */
export type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** Representations with repeats removed, and where each original one went. */
export interface DedupedRepresentations {
  unique: unknown[];
  /** For each original representation, its index in `unique`. */
  indexOf: number[];
}

/**
 * Removes repeated entity representations. The planner sends one per position: a page of
 * 1000 instances of five flavors asks the global subgraph for 1000 `Flavor` entities, and
 * it would resolve, serialise and send back each of them.
 */
export function dedupeRepresentations(representations: unknown[]): DedupedRepresentations {
  const seen = new Map<string, number>();
  const unique: unknown[] = [];
  const indexOf = representations.map((rep) => {
    const key = JSON.stringify(rep);
    let index = seen.get(key);
    if (index === undefined) {
      index = unique.length;
      unique.push(rep);
      seen.set(key, index);
    }
    return index;
  });
  return { unique, indexOf };
}

/**
 * The answer as the planner expects it for the original representations: `_entities`
 * back in one entry per position, and an error about a unique entity repeated at
 * every position that had it.
 */
export function expandEntitiesResponse(response: GatewayGraphQLResponse, indexOf: number[]): GatewayGraphQLResponse {
  const entities = response.data?._entities;
  const positions = new Map<number, number[]>();
  indexOf.forEach((u, i) => positions.set(u, [...(positions.get(u) ?? []), i]));
  const data = Array.isArray(entities)
    ? { ...response.data, _entities: indexOf.map((u) => entities[u] ?? null) }
    : response.data;
  const errors = response.errors?.flatMap((error) => {
    const [root, index, ...rest] = error.path ?? [];
    if (root !== '_entities' || typeof index !== 'number') return [error];
    return (positions.get(index) ?? [index]).map((i) => ({ ...error, path: [root, i, ...rest] }));
  });
  return { ...response, data, ...(errors ? { errors } : {}) };
}

/**
 * An error about the i-th entity of a request sent for a subset of entities, pointed at
 * that entity's index in the whole: `indexes[i]` (`key` is the root field, `_entities`).
 */
export function reindexError(error: GraphQLFormattedError, key: string, indexes: number[]): GraphQLFormattedError {
  const path = error.path;
  if (!path || path[0] !== key || typeof path[1] !== 'number') return error;
  return { ...error, path: [key, indexes[path[1]] ?? path[1], ...path.slice(2)] };
}
