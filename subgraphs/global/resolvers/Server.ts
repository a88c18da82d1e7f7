import type { BuildRequest } from '../../../prisma/api/generated/client';
import { badInput } from '../../../domain/errors';
import { listScope } from '../access';
import { listBuildRequests, namePatternError } from '../buildRequestList';
import type { GlobalContext } from '../context';
import { createServers } from '../scheduler/createServers';
import { parseBuildRequestInstance } from '../../../domain/requestSpec';
import type { CreateServerInput } from '../scheduler/serverInput';
import { MAX_MAPPINGS } from './InstanceMapping';

interface BuildRequestArgs {
  projectId?: string | null;
  allProjects?: boolean | null;
  uuids?: string[] | null;
  name?: string | null;
  userId?: string | null;
  changesSince?: Date | null;
}

export const serverResolvers = {
  Query: {
    buildRequests: (_: unknown, args: BuildRequestArgs, ctx: GlobalContext) => {
      if (args.uuids && args.uuids.length > MAX_MAPPINGS)
        throw badInput('uuids', `${args.uuids.length} uuids`, `at most ${MAX_MAPPINGS}`);
      const projectId = listScope(ctx.identity, args);
      return listBuildRequests(ctx.prisma, {
        projectId,
        uuids: args.uuids,
        name: args.name,
        userId: args.userId,
        changesSince: args.changesSince,
      });
    },
    namePatternError: (_: unknown, args: { pattern: string }, ctx: GlobalContext) =>
      namePatternError(ctx.prisma, args.pattern),
  },
  Mutation: {
    createServer: (_: unknown, args: { input: CreateServerInput }, ctx: GlobalContext) =>
      createServers(ctx, args.input),
  },
  BuildRequest: {
    displayName: (row: BuildRequest) => parseBuildRequestInstance(row.instance).displayName ?? null,
    imageRef: (row: BuildRequest) => parseBuildRequestInstance(row.instance).imageRef ?? null,
    availabilityZone: (row: BuildRequest) => parseBuildRequestInstance(row.instance).availabilityZone ?? null,
    flavor: (row: BuildRequest, _: unknown, ctx: GlobalContext) => {
      const id = parseBuildRequestInstance(row.instance).flavorId;
      return typeof id === 'number' ? ctx.loaders.flavorById.load(id) : null;
    },
  },
};
