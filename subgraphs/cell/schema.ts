import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { Instance, InstanceActionType, InstanceExtraType, InstanceInfoCacheType } from './resolvers/Instance';
import { Mutation } from './resolvers/Mutation';
import { Query } from './resolvers/Query';
// The scalars are the global subgraph's, so both subgraphs format DateTime and JSON alike.
import { DateTimeScalar, JSONScalar } from '../../domain/scalars';

/** The cell subgraph's SDL, the contract the gateway composes. */
export const CELL_SDL = readFileSync(join(__dirname, 'schema.graphql'), 'utf8');

/** The executable subgraph schema: the SDL and its resolvers. */
export function createCellSchema(): GraphQLSchema {
  const resolvers = {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query,
    Mutation,
    Instance,
    InstanceInfoCache: InstanceInfoCacheType,
    InstanceExtra: InstanceExtraType,
    InstanceAction: InstanceActionType,
  };
  return buildSubgraphSchema({
    typeDefs: parse(CELL_SDL), // The resolver map's typings do not know custom scalars; the shapes are checked per resolver file.
    resolvers: resolvers as never,
  });
}
