import { canSeeProject } from '../access';
import type { GlobalContext } from '../context';

export const tagResolvers = {
  Query: {
    /** An instance's tags; its mapping decides whether the caller may see them. */
    tags: async (_: unknown, args: { instanceUuid: string }, ctx: GlobalContext) => {
      const mapping = await ctx.loaders.mappingByInstanceUuid.load(args.instanceUuid);
      return mapping && canSeeProject(ctx.identity, mapping.projectId)
        ? ctx.loaders.tagsByResourceId.load(args.instanceUuid)
        : [];
    },
  },
};
