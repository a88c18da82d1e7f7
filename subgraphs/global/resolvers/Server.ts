import type { BuildRequest } from '../../../prisma/api/generated/client';
import { badInput } from '../../shared/errors';
import { listScope } from '../access';
import type { GlobalContext } from '../context';
import { createServers } from '../scheduler/createServers';
import { parseBuildRequestInstance } from '../scheduler/requestSpec';
import type { CreateServerInput } from '../scheduler/serverInput';
import { MAX_MAPPINGS } from './InstanceMapping';

interface BuildRequestArgs {
  projectId?: string | null;
  allProjects?: boolean | null;
  uuids?: string[] | null;
}

export const serverResolvers = {
  Query: {
    buildRequests: (_: unknown, args: BuildRequestArgs, ctx: GlobalContext) => {
      if (args.uuids && args.uuids.length > MAX_MAPPINGS) throw badInput('uuids', `${args.uuids.length} uuids`, `at most ${MAX_MAPPINGS}`);
      const projectId = listScope(ctx.identity, args);
      return ctx.prisma.buildRequest.findMany({
        where: { ...(projectId ? { projectId } : {}), ...(args.uuids ? { instanceUuid: { in: args.uuids } } : {}) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },
  },
  Mutation: {
    createServer: (_: unknown, args: { input: CreateServerInput }, ctx: GlobalContext) => createServers(ctx, args.input),
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
