import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const SET = `query ($p: String!, $u: String) { quotaSet(projectId: $p, userId: $u) {
  projectId userId resources { resource limit inUse reserved remaining source } cores: resource(name: "cores") { limit source }
} }`;
const UPDATE = `mutation ($p: String!, $u: String, $limits: [QuotaLimitInput!]!, $force: Boolean) {
  updateQuotaSet(projectId: $p, userId: $u, limits: $limits, force: $force) { resources { resource limit source } }
}`;

const pick = (answer: any, field: string, resource: string) =>
  answer.data[field].resources.find((r: any) => r.resource === resource);

describe('quotas over GraphQL', () => {
  let h: GlobalHarness;

  beforeAll(async () => {
    h = await startGlobalHarness('quotas');
    await h.prisma.quotaClass.create({ data: { className: 'default', resource: 'instances', hardLimit: 20 } });
    await h.prisma.quota.create({ data: { projectId: 'p1', resource: 'cores', hardLimit: 40 } });
    await h.prisma.quota.create({ data: { projectId: 'p1', resource: 'ram', hardLimit: -1 } });
    await h.prisma.quotaUsage.createMany({
      data: [
        { projectId: 'p1', userId: 'u1', resource: 'instances', inUse: 3, reserved: 1 },
        { projectId: 'p1', userId: 'u2', resource: 'instances', inUse: 2, reserved: 0 },
        { projectId: 'p1', userId: 'u1', resource: 'cores', inUse: 12, reserved: 0 },
        { projectId: 'p1', userId: 'u1', resource: 'ram', inUse: 8192, reserved: 0 },
        { projectId: 'p1', userId: 'u9', resource: 'instances', inUse: 50, reserved: 0, deleted: 1 },
      ],
    });
  });
  afterAll(() => h.close());

  it('resolves limits project → class default → built-in, with usage summed over the project', async () => {
    const answer = await h.gql(user('p1'), SET, { p: 'p1' });
    expect(pick(answer, 'quotaSet', 'instances')).toEqual({
      resource: 'instances',
      limit: 20,
      inUse: 5,
      reserved: 1,
      remaining: 14,
      source: 'CLASS',
    });
    expect(pick(answer, 'quotaSet', 'cores')).toEqual({
      resource: 'cores',
      limit: 40,
      inUse: 12,
      reserved: 0,
      remaining: 28,
      source: 'PROJECT',
    });
    expect(pick(answer, 'quotaSet', 'ram')).toEqual({
      resource: 'ram',
      limit: -1,
      inUse: 8192,
      reserved: 0,
      remaining: null,
      source: 'PROJECT',
    });
    expect(pick(answer, 'quotaSet', 'key_pairs')).toEqual({
      resource: 'key_pairs',
      limit: 100,
      inUse: 0,
      reserved: 0,
      remaining: 100,
      source: 'DEFAULT',
    });
    expect(answer.data!.quotaSet.resources.map((r: any) => r.resource)).toEqual(
      expect.arrayContaining([
        'instances',
        'cores',
        'ram',
        'key_pairs',
        'metadata_items',
        'security_groups',
        'security_group_rules',
        'server_groups',
        'server_group_members',
      ]),
    );
    expect(answer.data!.quotaSet.cores).toEqual({ limit: 40, source: 'PROJECT' });
  });

  it('shows one user’s usage and overrides when a user is named', async () => {
    await h.prisma.projectUserQuota.create({
      data: { projectId: 'p1', userId: 'u1', resource: 'instances', hardLimit: 5 },
    });
    const answer = await h.gql(user('p1'), SET, { p: 'p1', u: 'u1' });
    expect(pick(answer, 'quotaSet', 'instances')).toEqual({
      resource: 'instances',
      limit: 5,
      inUse: 3,
      reserved: 1,
      remaining: 1,
      source: 'USER',
    });
    expect(answer.data!.quotaSet.userId).toBe('u1');
  });

  it('never shows a non-admin another project’s quotas', async () => {
    expect(codes(await h.gql(user('p2'), SET, { p: 'p1' }))).toEqual(['FORBIDDEN']);
    expect((await h.gql(ADMIN, SET, { p: 'p1' })).data!.quotaSet.projectId).toBe('p1');
  });

  it('lets an admin update project limits, -1 meaning unlimited', async () => {
    const answer = await h.gql(ADMIN, UPDATE, {
      p: 'p2',
      limits: [
        { resource: 'instances', limit: 7 },
        { resource: 'cores', limit: -1 },
      ],
    });
    expect(pick(answer, 'updateQuotaSet', 'instances')).toEqual({ resource: 'instances', limit: 7, source: 'PROJECT' });
    expect(pick(answer, 'updateQuotaSet', 'cores')).toEqual({ resource: 'cores', limit: -1, source: 'PROJECT' });
  });

  it.each([
    [[{ resource: 'instances', limit: -2 }], 'limits[0].limit', /-1 \(unlimited\) or a non-negative integer, got -2/],
    [[{ resource: 'unicorns', limit: 1 }], 'limits[0].resource', /got "unicorns"/],
    [
      [
        { resource: 'cores', limit: 1 },
        { resource: 'cores', limit: 2 },
      ],
      'limits[1].resource',
      /each resource once/,
    ],
    [[{ resource: 'cores', limit: 5 }], 'limits[0].limit', /at least 12 \(in use 12 \+ reserved 0\)/],
    [[], 'limits', /at least one/],
  ])('refuses %j, naming %s, and writes nothing', async (limits, field, message) => {
    const answer = await h.gql(ADMIN, UPDATE, { p: 'p1', limits });
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0].extensions!.field).toBe(field);
    expect(answer.errors![0].message).toMatch(message);
    expect(
      await h.prisma.quota.findUnique({ where: { projectId_resource: { projectId: 'p1', resource: 'cores' } } }),
    ).toMatchObject({ hardLimit: 40 });
  });

  it('accepts a limit below usage when forced', async () => {
    const answer = await h.gql(ADMIN, UPDATE, { p: 'p1', limits: [{ resource: 'cores', limit: 5 }], force: true });
    expect(pick(answer, 'updateQuotaSet', 'cores').limit).toBe(5);
    await h.gql(ADMIN, UPDATE, { p: 'p1', limits: [{ resource: 'cores', limit: 40 }] });
  });

  it('refuses a user limit above the project’s', async () => {
    const answer = await h.gql(ADMIN, UPDATE, { p: 'p1', u: 'u2', limits: [{ resource: 'cores', limit: 41 }] });
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0].message).toMatch(/at most the project's limit 40/);
    const ok = await h.gql(ADMIN, UPDATE, { p: 'p1', u: 'u2', limits: [{ resource: 'cores', limit: 10 }] });
    expect(pick(ok, 'updateQuotaSet', 'cores')).toEqual({ resource: 'cores', limit: 10, source: 'USER' });
  });

  it('resets a project to the class defaults', async () => {
    const answer = await h.gql(
      ADMIN,
      `mutation { deleteQuotaSet(projectId: "p2") { resources { resource limit source } } }`,
    );
    expect(pick(answer, 'deleteQuotaSet', 'instances')).toEqual({ resource: 'instances', limit: 20, source: 'CLASS' });
    expect(await h.prisma.quota.count({ where: { projectId: 'p2' } })).toBe(0);
  });

  it('reads and updates quota classes for admins only', async () => {
    const updated = await h.gql(
      ADMIN,
      `mutation { updateQuotaClass(name: "default", limits: [{ resource: "cores", limit: 30 }]) { name limits { resource limit source } } }`,
    );
    expect(updated.data!.updateQuotaClass.limits).toEqual(
      expect.arrayContaining([
        { resource: 'cores', limit: 30, source: 'CLASS' },
        { resource: 'ram', limit: 51200, source: 'DEFAULT' },
      ]),
    );
    const read = await h.gql(ADMIN, `{ quotaClass(name: "default") { limits { resource limit } } }`);
    expect(read.data!.quotaClass.limits).toContainEqual({ resource: 'instances', limit: 20 });
    expect(pick(await h.gql(ADMIN, SET, { p: 'p3' }), 'quotaSet', 'cores')).toMatchObject({
      limit: 30,
      source: 'CLASS',
    });
  });

  it('refuses every quota change and class read to non-admins', async () => {
    const p = user('p1');
    const answers = await Promise.all([
      h.gql(p, UPDATE, { p: 'p1', limits: [{ resource: 'cores', limit: 100 }] }),
      h.gql(p, `mutation { deleteQuotaSet(projectId: "p1") { projectId } }`),
      h.gql(p, `mutation { updateQuotaClass(name: "default", limits: [{ resource: "cores", limit: 99 }]) { name } }`),
      h.gql(p, `{ quotaClass(name: "default") { name } }`),
    ]);
    expect(answers.map(codes)).toEqual(Array(4).fill(['FORBIDDEN']));
    expect(
      await h.prisma.quota.findUnique({ where: { projectId_resource: { projectId: 'p1', resource: 'cores' } } }),
    ).toMatchObject({ hardLimit: 40 });
  });
});
