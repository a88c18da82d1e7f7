import { badInput } from '../../../domain/errors';
import { oneProject, requireAdmin } from '../access';
import type { GlobalContext } from '../context';
import { classLimits, effectiveLimits, loadQuotaSet, usage, type QuotaSetRow } from '../quotas/quotaSet';
import { UNLIMITED, validLimits, type LimitInput } from '../quotas/quotaResources';
import { name } from '../validate';

interface QuotaSetArgs {
  projectId: string;
  userId?: string | null;
}

async function quotaClassSet(ctx: GlobalContext, className: string) {
  const limits = await classLimits(ctx.prisma, className);
  return { name: className, limits: [...limits].map(([resource, l]) => ({ resource, ...l })) };
}

/**
 * Nova's rules for a new limit (unless forced): not below what is in use and reserved,
 * and a user's limit not above the project's.
 */
async function checkNewLimits(
  ctx: GlobalContext,
  projectId: string,
  userId: string | null,
  limits: LimitInput[],
  force: boolean,
) {
  const [used, projectLimits] = await Promise.all([
    usage(ctx.prisma, projectId, userId),
    userId ? effectiveLimits(ctx.prisma, projectId, null) : Promise.resolve(null),
  ]);
  limits.forEach((entry, i) => {
    const projectLimit = projectLimits?.get(entry.resource)?.limit ?? UNLIMITED;
    if (userId && projectLimit !== UNLIMITED && (entry.limit === UNLIMITED || entry.limit > projectLimit)) {
      throw badInput(
        `limits[${i}].limit`,
        entry.limit,
        `at most the project's limit ${projectLimit} for ${entry.resource}`,
      );
    }
    const { inUse, reserved } = used.get(entry.resource) ?? { inUse: 0, reserved: 0 };
    if (!force && entry.limit !== UNLIMITED && entry.limit < inUse + reserved) {
      throw badInput(
        `limits[${i}].limit`,
        entry.limit,
        `at least ${inUse + reserved} (in use ${inUse} + reserved ${reserved}) for ${entry.resource}, or force`,
      );
    }
  });
}

export const quotaResolvers = {
  Query: {
    quotaSet: (_: unknown, args: QuotaSetArgs, ctx: GlobalContext) =>
      loadQuotaSet(ctx.prisma, oneProject(ctx.identity, args.projectId), args.userId ?? null),
    quotaClass: (_: unknown, args: { name: string }, ctx: GlobalContext) => {
      requireAdmin(ctx.identity, 'quotaClass');
      return quotaClassSet(ctx, name('name', args.name));
    },
  },
  Mutation: {
    updateQuotaSet: async (
      _: unknown,
      args: QuotaSetArgs & { limits: LimitInput[]; force?: boolean | null },
      ctx: GlobalContext,
    ) => {
      requireAdmin(ctx.identity, 'updateQuotaSet');
      const projectId = name('projectId', args.projectId);
      const userId = args.userId == null ? null : name('userId', args.userId);
      const limits = validLimits(args.limits);
      await checkNewLimits(ctx, projectId, userId, limits, args.force ?? false);
      await ctx.prisma.$transaction(
        limits.map(({ resource, limit }) =>
          userId
            ? ctx.prisma.projectUserQuota.upsert({
                where: { userId_projectId_resource: { userId, projectId, resource } },
                create: { projectId, userId, resource, hardLimit: limit },
                update: { hardLimit: limit, updatedAt: new Date() },
              })
            : ctx.prisma.quota.upsert({
                where: { projectId_resource: { projectId, resource } },
                create: { projectId, resource, hardLimit: limit },
                update: { hardLimit: limit, updatedAt: new Date() },
              }),
        ),
      );
      return loadQuotaSet(ctx.prisma, projectId, userId);
    },
    deleteQuotaSet: async (_: unknown, args: QuotaSetArgs, ctx: GlobalContext) => {
      requireAdmin(ctx.identity, 'deleteQuotaSet');
      const projectId = name('projectId', args.projectId);
      const userId = args.userId == null ? null : name('userId', args.userId);
      // A project's reset also drops its users' overrides, as Nova's quota delete does.
      await ctx.prisma.$transaction([
        ctx.prisma.projectUserQuota.deleteMany({ where: { projectId, ...(userId ? { userId } : {}) } }),
        ...(userId ? [] : [ctx.prisma.quota.deleteMany({ where: { projectId } })]),
      ]);
      return loadQuotaSet(ctx.prisma, projectId, userId);
    },
    updateQuotaClass: async (_: unknown, args: { name: string; limits: LimitInput[] }, ctx: GlobalContext) => {
      requireAdmin(ctx.identity, 'updateQuotaClass');
      const className = name('name', args.name);
      const limits = validLimits(args.limits);
      await ctx.prisma.$transaction(
        limits.map(({ resource, limit }) =>
          ctx.prisma.quotaClass.upsert({
            where: { className_resource: { className, resource } },
            create: { className, resource, hardLimit: limit },
            update: { hardLimit: limit, updatedAt: new Date() },
          }),
        ),
      );
      return quotaClassSet(ctx, className);
    },
  },
  QuotaSet: {
    resource: (set: QuotaSetRow, args: { name: string }) => set.resources.find((r) => r.resource === args.name) ?? null,
  },
};
