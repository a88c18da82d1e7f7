import type { Prisma } from '../../../prisma/api/generated/client';
import { badInput, conflict, notFound } from '../../../domain/errors';
import { canSeeProject, requireAdmin } from '../access';
import type { GlobalContext } from '../context';
import { assertWithinQuota } from '../quotas/quotaCheck';
import { ensureDefaultGroup } from '../securityGroups/ensureDefaultGroup';
import { ANYWHERE, validRule, type RuleInput } from '../securityGroups/ruleInput';
import { name, parseId } from '../validate';

type Tx = Prisma.TransactionClient;

/** The live group `id` if the caller may see it; NOT_FOUND otherwise (never FORBIDDEN, so ids leak nothing). */
async function groupFor(tx: Tx, ctx: GlobalContext, field: string, id: string) {
  const group = await tx.securityGroup.findFirst({ where: { id: parseId(field, id), deleted: 0 } });
  if (!group || !canSeeProject(ctx.identity, group.projectId)) throw notFound('security group', id);
  return group;
}

// Soft deletes set deleted = id, freeing the (project, name, deleted) key for a new row.
const softDelete = (id: number) => ({ deleted: id, deletedAt: new Date() });

export const securityGroupMutations = {
  createSecurityGroup: async (
    _: unknown,
    args: { input: { name: string; description?: string | null } },
    ctx: GlobalContext,
  ) => {
    const groupName = name('input.name', args.input.name);
    const description = args.input.description ?? null;
    if (description !== null && description.length > 255)
      throw badInput('input.description', description, 'at most 255 characters');
    const { projectId, userId } = ctx.identity;
    await ensureDefaultGroup(ctx.prisma, ctx.identity);
    return ctx.prisma.$transaction(async (tx) => {
      if (await tx.securityGroup.findFirst({ where: { projectId, name: groupName, deleted: 0 } })) {
        throw conflict(
          `security group ${JSON.stringify(groupName)} already exists in project ${JSON.stringify(projectId)}`,
          { field: 'input.name' },
        );
      }
      await assertWithinQuota(tx, { projectId, userId: null }, 'security_groups', () =>
        tx.securityGroup.count({ where: { projectId, deleted: 0 } }),
      );
      return tx.securityGroup.create({ data: { name: groupName, description, projectId, userId } });
    });
  },
  deleteSecurityGroup: (_: unknown, args: { id: string }, ctx: GlobalContext) =>
    ctx.prisma.$transaction(async (tx) => {
      const group = await groupFor(tx, ctx, 'id', args.id);
      if (group.name === 'default')
        throw badInput('id', args.id, "a security group other than the project's default one");
      const users = await tx.securityGroupRule.count({
        where: { groupId: group.id, deleted: 0, parentGroupId: { not: group.id } },
      });
      if (users > 0)
        throw conflict(
          `security group ${group.id} is the source of ${users} rule(s) of other groups; delete those first`,
          { field: 'id' },
        );
      const rules = await tx.securityGroupRule.findMany({
        where: { parentGroupId: group.id, deleted: 0 },
        select: { id: true },
      });
      for (const rule of rules)
        await tx.securityGroupRule.update({ where: { id: rule.id }, data: softDelete(rule.id) });
      await tx.securityGroup.update({ where: { id: group.id }, data: softDelete(group.id) });
      return String(group.id);
    }),
  createSecurityGroupRule: (
    _: unknown,
    args: { input: RuleInput & { parentGroupId: string; groupId?: string | null } },
    ctx: GlobalContext,
  ) => {
    const { input } = args;
    const rule = validRule(input, 'input');
    if (rule.cidr !== null && input.groupId != null)
      throw badInput('input.groupId', input.groupId, 'no source group when a cidr is given');
    return ctx.prisma.$transaction(async (tx) => {
      const parent = await groupFor(tx, ctx, 'input.parentGroupId', input.parentGroupId);
      const source = input.groupId == null ? null : await groupFor(tx, ctx, 'input.groupId', input.groupId);
      if (source && source.projectId !== parent.projectId)
        throw badInput(
          'input.groupId',
          input.groupId,
          `a group of the parent's project ${JSON.stringify(parent.projectId)}`,
        );
      const data = {
        ...rule,
        cidr: source ? null : (rule.cidr ?? ANYWHERE),
        groupId: source?.id ?? null,
        parentGroupId: parent.id,
      };
      if (await tx.securityGroupRule.findFirst({ where: { ...data, deleted: 0 } }))
        throw conflict('this rule already exists in the group', { field: 'input' });
      await assertWithinQuota(tx, { projectId: parent.projectId, userId: null }, 'security_group_rules', () =>
        tx.securityGroupRule.count({ where: { parentGroupId: parent.id, deleted: 0 } }),
      );
      return tx.securityGroupRule.create({ data });
    });
  },
  deleteSecurityGroupRule: (_: unknown, args: { id: string }, ctx: GlobalContext) =>
    ctx.prisma.$transaction(async (tx) => {
      const rule = await tx.securityGroupRule.findFirst({
        where: { id: parseId('id', args.id), deleted: 0 },
        include: { parentGroup: true },
      });
      if (!rule || !canSeeProject(ctx.identity, rule.parentGroup.projectId))
        throw notFound('security group rule', args.id);
      await tx.securityGroupRule.update({ where: { id: rule.id }, data: softDelete(rule.id) });
      return String(rule.id);
    }),
  createDefaultSecurityGroupRule: (_: unknown, args: { input: RuleInput }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'createDefaultSecurityGroupRule');
    const rule = validRule(args.input, 'input');
    const data = { ...rule, cidr: rule.cidr ?? ANYWHERE };
    return ctx.prisma.$transaction(async (tx) => {
      if (await tx.securityGroupDefaultRule.findFirst({ where: { ...data, deleted: 0 } }))
        throw conflict('this default rule already exists', { field: 'input' });
      return tx.securityGroupDefaultRule.create({ data });
    });
  },
  deleteDefaultSecurityGroupRule: async (_: unknown, args: { id: string }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'deleteDefaultSecurityGroupRule');
    const id = parseId('id', args.id);
    const gone = await ctx.prisma.securityGroupDefaultRule.updateMany({
      where: { id, deleted: 0 },
      data: softDelete(id),
    });
    if (gone.count === 0) throw notFound('default security group rule', args.id);
    return String(id);
  },
};
