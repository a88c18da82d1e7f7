import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateTimeScalar, JSONScalar } from '../../../domain/scalars';
import { cellResolvers } from './Cell';
import { flavorResolvers } from './Flavor';
import { instanceResolvers } from './Instance';
import { instanceMappingResolvers } from './InstanceMapping';
import { keyPairResolvers } from './KeyPair';
import { quotaResolvers } from './Quota';
import { migrationResolvers } from './Migration';
import { networkResolvers } from './Network';
import { securityGroupResolvers } from './SecurityGroup';
import { serverResolvers } from './Server';
import { tagResolvers } from './Tag';

/** Every resolver of the global subgraph, one file per noun, merged per type. */
export const globalResolvers = mergeResolvers([
  { DateTime: DateTimeScalar, JSON: JSONScalar },
  cellResolvers,
  instanceMappingResolvers,
  instanceResolvers,
  flavorResolvers,
  keyPairResolvers,
  quotaResolvers,
  securityGroupResolvers,
  networkResolvers,
  tagResolvers,
  migrationResolvers,
  serverResolvers,
]);

type ResolverMap = Record<string, object>;

function mergeResolvers(maps: ResolverMap[]): GraphQLResolverMap<unknown> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      if (fields instanceof Object && 'serialize' in fields) {
        merged[type] = fields as Record<string, unknown>;
        continue;
      }
      merged[type] = { ...merged[type], ...fields };
    }
  }
  return merged as GraphQLResolverMap<unknown>;
}
