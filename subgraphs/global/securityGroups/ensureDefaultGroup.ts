import type { ApiClient } from '../../../prisma/clients';
import type { Identity } from '../../../domain/identity';

/**
 * Gives the caller's project its `default` group on first use, seeded from the default
 * rules, as Nova does when a project first lists or creates security groups. Two
 * requests racing both try; the unique (project, name, deleted) key lets one win.
 */
export async function ensureDefaultGroup(prisma: ApiClient, identity: Identity): Promise<void> {
  const { projectId, userId } = identity;
  if (await prisma.securityGroup.findFirst({ where: { projectId, name: 'default', deleted: 0 }, select: { id: true } }))
    return;
  try {
    await prisma.$transaction(async (tx) => {
      const group = await tx.securityGroup.create({
        data: { name: 'default', description: 'default', projectId, userId },
      });
      const rules = await tx.securityGroupDefaultRule.findMany({ where: { deleted: 0 }, orderBy: { id: 'asc' } });
      await tx.securityGroupRule.createMany({
        data: rules.map((rule) => ({
          parentGroupId: group.id,
          protocol: rule.protocol,
          fromPort: rule.fromPort,
          toPort: rule.toPort,
          cidr: rule.cidr,
        })),
      });
    });
  } catch (err) {
    if ((err as { code?: string }).code !== 'P2002') throw err;
  }
}
