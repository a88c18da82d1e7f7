import type { Prisma } from '../../../prisma/api/generated/client';
import { badInput } from '../../../domain/errors';
import type { GlobalContext } from '../context';
import { canSeeFlavor, flavorInclude, type FlavorRow } from '../../../domain/flavorRow';
import { intInRange, parseId } from '../validate';
import { flavorMutations } from './flavorMutations';

interface FlavorFilter {
  isPublic?: boolean | null;
  disabled?: boolean | null;
  minVcpus?: number | null;
  minMemoryMb?: number | null;
  minRootGb?: number | null;
}

function filterWhere(filter: FlavorFilter, ctx: GlobalContext): Prisma.InstanceTypeWhereInput {
  const where: Prisma.InstanceTypeWhereInput = { deleted: 0 };
  // Non-admins: public flavors plus the private ones shared with their project.
  if (!ctx.identity.isAdmin)
    where.OR = [{ isPublic: true }, { projects: { some: { projectId: ctx.identity.projectId, deleted: 0 } } }];
  if (filter.isPublic !== null && filter.isPublic !== undefined) where.isPublic = filter.isPublic;
  const disabled = filter.disabled ?? (ctx.identity.isAdmin ? undefined : false);
  if (disabled !== undefined) where.disabled = disabled;
  if (filter.minVcpus != null) where.vcpus = { gte: intInRange('filter.minVcpus', filter.minVcpus, 0) };
  if (filter.minMemoryMb != null) where.memoryMb = { gte: intInRange('filter.minMemoryMb', filter.minMemoryMb, 0) };
  if (filter.minRootGb != null) where.rootGb = { gte: intInRange('filter.minRootGb', filter.minRootGb, 0) };
  return where;
}

export const flavorResolvers = {
  Query: {
    flavors: (_: unknown, args: { filter?: FlavorFilter | null }, ctx: GlobalContext) =>
      ctx.prisma.instanceType.findMany({
        where: filterWhere(args.filter ?? {}, ctx),
        include: flavorInclude,
        orderBy: [{ flavorid: 'asc' }, { id: 'asc' }],
      }),
    flavor: async (_: unknown, args: { id?: string | null; flavorid?: string | null }, ctx: GlobalContext) => {
      const given = [args.id, args.flavorid].filter((v) => v !== null && v !== undefined);
      if (given.length !== 1) throw badInput('flavor', args, 'exactly one of id or flavorid');
      // By id even a deleted flavor answers (instances keep pointing at it); by flavorid only a live one.
      const row = args.id
        ? await ctx.loaders.flavorById.load(parseId('id', args.id))
        : await ctx.prisma.instanceType.findFirst({
            where: { flavorid: args.flavorid as string, deleted: 0 },
            include: flavorInclude,
          });
      return row && canSeeFlavor(ctx.identity, row) ? row : null;
    },
  },
  Mutation: flavorMutations,
  Flavor: {
    __resolveReference: async (ref: { id: string }, ctx: GlobalContext) => {
      const id = Number(ref.id);
      if (!Number.isInteger(id) || id < 1) return null;
      const row = await ctx.loaders.flavorById.load(id);
      return row && canSeeFlavor(ctx.identity, row) ? row : null;
    },
    id: (row: FlavorRow) => String(row.id),
    extraSpecs: (row: FlavorRow) => Object.fromEntries(row.extraSpecs.map((spec) => [spec.key, spec.value])),
    access: (row: FlavorRow, _: unknown, ctx: GlobalContext) =>
      ctx.identity.isAdmin ? row.projects.map((p) => p.projectId) : null,
    deleted: (row: FlavorRow) => row.deleted !== 0,
  },
};
