import type { SecurityGroup, SecurityGroupRule } from '../../../prisma/api/generated/client';
import { canSeeProject, listScope, requireAdmin } from '../access';
import type { GlobalContext } from '../context';
import { ensureDefaultGroup } from '../securityGroups/ensureDefaultGroup';
import { parseId } from '../validate';
import { securityGroupMutations } from './securityGroupMutations';

/** A live security group the caller may see, or null. */
export async function visibleGroup(ctx: GlobalContext, id: number): Promise<SecurityGroup | null> {
  const group = await ctx.loaders.securityGroupById.load(id);
  return group && canSeeProject(ctx.identity, group.projectId) ? group : null;
}

export const securityGroupResolvers = {
  Query: {
    securityGroups: async (
      _: unknown,
      args: { projectId?: string | null; allProjects?: boolean | null },
      ctx: GlobalContext,
    ) => {
      const projectId = listScope(ctx.identity, args);
      if (projectId === ctx.identity.projectId) await ensureDefaultGroup(ctx.prisma, ctx.identity);
      return ctx.prisma.securityGroup.findMany({
        where: { deleted: 0, ...(projectId ? { projectId } : {}) },
        orderBy: [{ projectId: 'asc' }, { name: 'asc' }, { id: 'asc' }],
      });
    },
    securityGroup: (_: unknown, args: { id: string }, ctx: GlobalContext) => visibleGroup(ctx, parseId('id', args.id)),
    defaultSecurityGroupRules: (_: unknown, __: unknown, ctx: GlobalContext) => {
      requireAdmin(ctx.identity, 'defaultSecurityGroupRules');
      return ctx.prisma.securityGroupDefaultRule.findMany({ where: { deleted: 0 }, orderBy: { id: 'asc' } });
    },
  },
  Mutation: securityGroupMutations,
  SecurityGroup: {
    __resolveReference: (ref: { id: string }, ctx: GlobalContext) => {
      const id = Number(ref.id);
      return Number.isInteger(id) && id > 0 ? visibleGroup(ctx, id) : null;
    },
    id: (group: SecurityGroup) => String(group.id),
    rules: (group: SecurityGroup, _: unknown, ctx: GlobalContext) => ctx.loaders.rulesByGroupId.load(group.id),
  },
  SecurityGroupRule: {
    id: (rule: SecurityGroupRule) => String(rule.id),
    parentGroupId: (rule: SecurityGroupRule) => String(rule.parentGroupId),
    group: (rule: SecurityGroupRule, _: unknown, ctx: GlobalContext) =>
      rule.groupId === null ? null : visibleGroup(ctx, rule.groupId),
  },
  DefaultSecurityGroupRule: {
    id: (rule: { id: number }) => String(rule.id),
  },
};
