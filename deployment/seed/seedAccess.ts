import type { ApiClient } from '../../prisma/clients';
import { PROJECTS, USERS } from './catalog';
import { demoPublicKey } from './keyPairs';
import { PUBLIC_NETWORK, privateNetwork } from './networks';

/** Key pairs, security groups with rules, default rules and networks of the demo projects. */
export async function seedAccess(api: ApiClient): Promise<void> {
  await api.keyPair.createMany({
    data: PROJECTS.flatMap((project) =>
      USERS[project].map((user) => ({
        name: `${user}-key`,
        userId: user,
        type: 'ssh',
        ...demoPublicKey(`${user}-key`),
      })),
    ),
    skipDuplicates: true,
  });
  for (const project of PROJECTS) await seedSecurityGroups(api, project, USERS[project][0]);
  if ((await api.securityGroupDefaultRule.count()) === 0) {
    await api.securityGroupDefaultRule.createMany({
      data: [
        { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
        { protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '0.0.0.0/0' },
      ],
    });
  }
  await api.network.createMany({
    data: [PUBLIC_NETWORK, ...PROJECTS.map(privateNetwork)].map((n) => ({
      uuid: n.uuid,
      label: n.label,
      cidr: n.cidr,
      gateway: n.gateway,
      netmask: n.cidr.endsWith('/16') ? '255.255.0.0' : '255.255.252.0',
      projectId: n.projectId,
      bridge: 'br-int',
      mtu: 1450,
      dns1: '8.8.8.8',
    })),
    skipDuplicates: true,
  });
}

// Rules have no natural key, so a group's rules are written only with the group itself.
async function seedSecurityGroups(api: ApiClient, projectId: string, userId: string): Promise<void> {
  const groups = [
    {
      name: 'default',
      description: 'Default security group',
      rules: (id: number) => [
        { protocol: null, fromPort: null, toPort: null, cidr: null, groupId: id },
        { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0', groupId: null },
        { protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '0.0.0.0/0', groupId: null },
      ],
    },
    {
      name: 'web',
      description: 'HTTP and HTTPS from anywhere',
      rules: () => [
        { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0', groupId: null },
        { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0', groupId: null },
      ],
    },
  ];
  for (const group of groups) {
    await api.$transaction(async (tx) => {
      if (await tx.securityGroup.findFirst({ where: { projectId, name: group.name, deleted: 0 } })) return;
      const row = await tx.securityGroup.create({
        data: { projectId, userId, name: group.name, description: group.description },
      });
      await tx.securityGroupRule.createMany({
        data: group.rules(row.id).map((rule) => ({ ...rule, parentGroupId: row.id })),
      });
    });
  }
}
