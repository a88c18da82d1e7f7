import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const CREATE_GROUP = `mutation ($input: CreateSecurityGroupInput!) { createSecurityGroup(input: $input) { id name description projectId userId rules { id } } }`;
const CREATE_RULE = `mutation ($input: CreateSecurityGroupRuleInput!) { createSecurityGroupRule(input: $input) { id parentGroupId protocol fromPort toPort cidr group { name } } }`;
const LIST = `query ($p: String, $all: Boolean) { securityGroups(projectId: $p, allProjects: $all) { name projectId rules { protocol fromPort toPort cidr } } }`;

describe('security groups over GraphQL', () => {
  let h: GlobalHarness;
  const p1 = user('p1', 'u1');
  const p2 = user('p2', 'u2');
  let web = '';
  let db = '';
  let other = '';

  beforeAll(async () => {
    h = await startGlobalHarness('secgroups');
  });
  afterAll(() => h.close());

  it('lets an admin manage the default rules new default groups start with', async () => {
    const created = await h.gql(
      ADMIN,
      `mutation { createDefaultSecurityGroupRule(input: { protocol: "TCP", fromPort: 22, toPort: 22 }) { id protocol cidr } }`,
    );
    expect(created.data!.createDefaultSecurityGroupRule).toMatchObject({ protocol: 'tcp', cidr: '0.0.0.0/0' });
    const temp = await h.gql(
      ADMIN,
      `mutation { createDefaultSecurityGroupRule(input: { protocol: "icmp", fromPort: -1, toPort: -1, cidr: "10.0.0.0/8" }) { id } }`,
    );
    expect(
      codes(
        await h.gql(
          ADMIN,
          `mutation { createDefaultSecurityGroupRule(input: { protocol: "tcp", fromPort: 22, toPort: 22 }) { id } }`,
        ),
      ),
    ).toEqual(['CONFLICT']);
    const id = temp.data!.createDefaultSecurityGroupRule.id;
    expect(
      (await h.gql(ADMIN, `mutation ($id: ID!) { deleteDefaultSecurityGroupRule(id: $id) }`, { id })).data!
        .deleteDefaultSecurityGroupRule,
    ).toBe(id);
    expect(
      codes(await h.gql(ADMIN, `mutation ($id: ID!) { deleteDefaultSecurityGroupRule(id: $id) }`, { id })),
    ).toEqual(['NOT_FOUND']);
    expect(
      (await h.gql(ADMIN, `{ defaultSecurityGroupRules { protocol fromPort toPort cidr } }`)).data!
        .defaultSecurityGroupRules,
    ).toEqual([{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }]);
  });

  it('refuses default rules to non-admins', async () => {
    expect(codes(await h.gql(p1, `{ defaultSecurityGroupRules { id } }`))).toEqual(['FORBIDDEN']);
    expect(
      codes(
        await h.gql(
          p1,
          `mutation { createDefaultSecurityGroupRule(input: { protocol: "tcp", fromPort: 1, toPort: 2 }) { id } }`,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(p1, `mutation { deleteDefaultSecurityGroupRule(id: "1") }`))).toEqual(['FORBIDDEN']);
  });

  it('gives a project its default group, seeded from the default rules, on first list', async () => {
    const answer = await h.gql(p1, LIST);
    expect(answer.data!.securityGroups).toEqual([
      { name: 'default', projectId: 'p1', rules: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }] },
    ]);
  });

  it('creates groups in the caller’s project and refuses a duplicate name with CONFLICT', async () => {
    const a = await h.gql(p1, CREATE_GROUP, { input: { name: 'web', description: 'front' } });
    expect(a.data!.createSecurityGroup).toMatchObject({
      name: 'web',
      description: 'front',
      projectId: 'p1',
      userId: 'u1',
      rules: [],
    });
    web = a.data!.createSecurityGroup.id;
    db = (await h.gql(p1, CREATE_GROUP, { input: { name: 'db' } })).data!.createSecurityGroup.id;
    other = (await h.gql(p2, CREATE_GROUP, { input: { name: 'web' } })).data!.createSecurityGroup.id;
    expect(codes(await h.gql(p1, CREATE_GROUP, { input: { name: 'web' } }))).toEqual(['CONFLICT']);
    expect(codes(await h.gql(p1, CREATE_GROUP, { input: { name: ' ' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('adds tcp, udp and icmp rules, and a rule admitting another group', async () => {
    const tcp = await h.gql(p1, CREATE_RULE, {
      input: { parentGroupId: web, protocol: 'tcp', fromPort: 80, toPort: 443, cidr: '192.168.0.0/16' },
    });
    expect(tcp.data!.createSecurityGroupRule).toMatchObject({
      parentGroupId: web,
      protocol: 'tcp',
      fromPort: 80,
      toPort: 443,
      cidr: '192.168.0.0/16',
      group: null,
    });
    const icmp = await h.gql(p1, CREATE_RULE, {
      input: { parentGroupId: web, protocol: 'icmp', fromPort: 8, toPort: -1, cidr: '2001:db8::/32' },
    });
    expect(icmp.errors).toBeUndefined();
    const fromGroup = await h.gql(p1, CREATE_RULE, {
      input: { parentGroupId: db, protocol: 'udp', fromPort: 5432, toPort: 5432, groupId: web },
    });
    expect(fromGroup.data!.createSecurityGroupRule).toMatchObject({ cidr: null, group: { name: 'web' } });
    expect(
      codes(
        await h.gql(p1, CREATE_RULE, {
          input: { parentGroupId: web, protocol: 'tcp', fromPort: 80, toPort: 443, cidr: '192.168.0.0/16' },
        }),
      ),
    ).toEqual(['CONFLICT']);
  });

  it.each([
    [{ protocol: 'sctp', fromPort: 1, toPort: 2 }, 'input.protocol', /one of tcp, udp, icmp, got "sctp"/],
    [{ protocol: 'tcp', fromPort: 0, toPort: 22 }, 'input.fromPort', /from 1 to 65535, got 0/],
    [{ protocol: 'udp', fromPort: 1, toPort: 65536 }, 'input.toPort', /got 65536/],
    [{ protocol: 'tcp', fromPort: 443, toPort: 80 }, 'input.toPort', /at least fromPort \(443\), got 80/],
    [{ protocol: 'icmp', fromPort: 256, toPort: 0 }, 'input.fromPort', /ICMP type from -1 \(any\) to 255, got 256/],
    [{ protocol: 'icmp', fromPort: 0, toPort: -2 }, 'input.toPort', /ICMP code/],
    [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.300/8' }, 'input.cidr', /got "10.0.0.300\/8"/],
    [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/33' }, 'input.cidr', /CIDR/],
    [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0' }, 'input.cidr', /CIDR/],
  ])('refuses the rule %j naming %s, writing nothing', async (rule, field, message) => {
    const before = await h.prisma.securityGroupRule.count();
    const answer = await h.gql(p1, CREATE_RULE, { input: { parentGroupId: web, ...rule } });
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0].extensions!.field).toBe(field);
    expect(answer.errors![0].message).toMatch(message);
    expect(await h.prisma.securityGroupRule.count()).toBe(before);
  });

  it('refuses a rule with both a cidr and a source group', async () => {
    const answer = await h.gql(p1, CREATE_RULE, {
      input: { parentGroupId: db, protocol: 'tcp', fromPort: 1, toPort: 2, cidr: '10.0.0.0/8', groupId: web },
    });
    expect(answer.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.groupId' });
  });

  it('never lets a non-admin see or touch another project’s groups', async () => {
    expect((await h.gql(p2, LIST)).data!.securityGroups.map((g: any) => g.name)).toEqual(['default', 'web']);
    expect(
      (await h.gql(p2, `query ($id: ID!) { securityGroup(id: $id) { name } }`, { id: web })).data!.securityGroup,
    ).toBeNull();
    expect(
      codes(await h.gql(p2, CREATE_RULE, { input: { parentGroupId: web, protocol: 'tcp', fromPort: 1, toPort: 2 } })),
    ).toEqual(['NOT_FOUND']);
    expect(
      codes(
        await h.gql(p2, CREATE_RULE, {
          input: { parentGroupId: other, protocol: 'tcp', fromPort: 1, toPort: 2, groupId: web },
        }),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql(p2, `mutation ($id: ID!) { deleteSecurityGroup(id: $id) }`, { id: web }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(codes(await h.gql(p2, LIST, { p: 'p1' }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(p2, LIST, { all: true }))).toEqual(['FORBIDDEN']);
  });

  it('lets an admin list one project or all', async () => {
    expect((await h.gql(ADMIN, LIST, { p: 'p1' })).data!.securityGroups.map((g: any) => g.name)).toEqual([
      'db',
      'default',
      'web',
    ]);
    expect(
      (await h.gql(ADMIN, LIST, { all: true })).data!.securityGroups.map((g: any) => `${g.projectId}/${g.name}`),
    ).toEqual(['p1/db', 'p1/default', 'p1/web', 'p2/default', 'p2/web']);
  });

  it('refuses to delete the default group or a group other rules admit', async () => {
    const defaultId = String(
      (await h.prisma.securityGroup.findFirstOrThrow({ where: { projectId: 'p1', name: 'default' } })).id,
    );
    expect(codes(await h.gql(p1, `mutation ($id: ID!) { deleteSecurityGroup(id: $id) }`, { id: defaultId }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    const inUse = await h.gql(p1, `mutation ($id: ID!) { deleteSecurityGroup(id: $id) }`, { id: web });
    expect(codes(inUse)).toEqual(['CONFLICT']);
  });

  it('deletes rules and groups, and the name can be used again', async () => {
    const ruleId = String(
      (await h.prisma.securityGroupRule.findFirstOrThrow({ where: { parentGroupId: Number(db), deleted: 0 } })).id,
    );
    expect(
      (await h.gql(p1, `mutation ($id: ID!) { deleteSecurityGroupRule(id: $id) }`, { id: ruleId })).data!
        .deleteSecurityGroupRule,
    ).toBe(ruleId);
    expect(codes(await h.gql(p1, `mutation ($id: ID!) { deleteSecurityGroupRule(id: $id) }`, { id: ruleId }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(
      (await h.gql(p1, `mutation ($id: ID!) { deleteSecurityGroup(id: $id) }`, { id: web })).data!.deleteSecurityGroup,
    ).toBe(web);
    expect(await h.prisma.securityGroupRule.count({ where: { parentGroupId: Number(web), deleted: 0 } })).toBe(0);
    expect((await h.gql(p1, CREATE_GROUP, { input: { name: 'web' } })).errors).toBeUndefined();
  });

  it('refuses groups and rules past the project’s quotas', async () => {
    await h.prisma.quota.createMany({
      data: [
        { projectId: 'p3', resource: 'security_groups', hardLimit: 2 },
        { projectId: 'p3', resource: 'security_group_rules', hardLimit: 1 },
      ],
    });
    const p3 = user('p3');
    const g = (await h.gql(p3, CREATE_GROUP, { input: { name: 'one' } })).data!.createSecurityGroup.id; // default + one
    expect(codes(await h.gql(p3, CREATE_GROUP, { input: { name: 'two' } }))).toEqual(['QUOTA_EXCEEDED']);
    expect(
      (await h.gql(p3, CREATE_RULE, { input: { parentGroupId: g, protocol: 'tcp', fromPort: 1, toPort: 1 } })).errors,
    ).toBeUndefined();
    expect(
      codes(await h.gql(p3, CREATE_RULE, { input: { parentGroupId: g, protocol: 'tcp', fromPort: 2, toPort: 2 } })),
    ).toEqual(['QUOTA_EXCEEDED']);
  });
});
