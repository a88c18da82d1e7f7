import type { Network } from '../../../prisma/api/generated/client';
import type { Identity } from '../../../domain/identity';
import { listScope } from '../access';
import type { GlobalContext } from '../context';

// Networks without a project are unassigned (shared); everyone may see those.
function visible(identity: Identity, network: Network | null): Network | null {
  return network && (identity.isAdmin || network.projectId === null || network.projectId === identity.projectId)
    ? network
    : null;
}

async function byUuid(ctx: GlobalContext, uuid: string): Promise<Network | null> {
  return visible(ctx.identity, await ctx.prisma.network.findFirst({ where: { uuid, deleted: 0 } }));
}

export const networkResolvers = {
  Query: {
    networks: (_: unknown, args: { projectId?: string | null; allProjects?: boolean | null }, ctx: GlobalContext) => {
      const projectId = listScope(ctx.identity, args);
      return ctx.prisma.network.findMany({
        where: { deleted: 0, ...(projectId ? { OR: [{ projectId }, { projectId: null }] } : {}) },
        orderBy: [{ label: 'asc' }, { id: 'asc' }],
      });
    },
    network: (_: unknown, args: { uuid: string }, ctx: GlobalContext) => byUuid(ctx, args.uuid),
  },
  Network: {
    __resolveReference: (ref: { uuid: string }, ctx: GlobalContext) => byUuid(ctx, ref.uuid),
  },
};
