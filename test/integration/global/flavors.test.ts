import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const CREATE = `mutation ($input: CreateFlavorInput!) { createFlavor(input: $input) { id flavorid name vcpus memoryMb rootGb ephemeralGb swap rxtxFactor isPublic disabled description extraSpecs access deleted } }`;
const LIST = `query ($filter: FlavorFilter) { flavors(filter: $filter) { name } }`;
const names = (answer: any) => answer.data.flavors.map((f: any) => f.name);

describe('flavors over GraphQL', () => {
  let h: GlobalHarness;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startGlobalHarness('flavors');
    const make = async (input: Record<string, unknown>) => {
      const answer = await h.gql(ADMIN, CREATE, { input });
      expect(answer.errors).toBeUndefined();
      ids[input.name as string] = answer.data!.createFlavor.id;
      return answer.data!.createFlavor;
    };
    await make({ name: 'm1.tiny', flavorid: '1', vcpus: 1, memoryMb: 512, rootGb: 1 });
    await make({ name: 'm1.large', flavorid: '4', vcpus: 4, memoryMb: 8192, rootGb: 80 });
    await make({ name: 'gpu.private', flavorid: 'gpu', vcpus: 8, memoryMb: 16384, rootGb: 100, isPublic: false });
    await make({ name: 'old', flavorid: 'old', vcpus: 1, memoryMb: 256, rootGb: 0 });
    await h.prisma.instanceType.update({ where: { id: Number(ids.old) }, data: { disabled: true } });
  });
  afterAll(() => h.close());

  it('creates a flavor with defaults filled in, and a generated flavorid when none is given', async () => {
    const answer = await h.gql(ADMIN, CREATE, {
      input: { name: 'auto', vcpus: 2, memoryMb: 2048, rootGb: 20, description: 'made by test' },
    });
    expect(answer.data!.createFlavor).toMatchObject({
      name: 'auto',
      ephemeralGb: 0,
      swap: 0,
      rxtxFactor: 1,
      isPublic: true,
      disabled: false,
      extraSpecs: {},
      access: [],
      deleted: false,
      description: 'made by test',
    });
    expect(answer.data!.createFlavor.flavorid).toMatch(/^[0-9a-f-]{36}$/);
    ids.auto = answer.data!.createFlavor.id;
  });

  it.each([
    [{ name: 'm1.tiny', vcpus: 1, memoryMb: 1, rootGb: 0 }, 'CONFLICT', 'input.name'],
    [{ name: 'dup-id', flavorid: '1', vcpus: 1, memoryMb: 1, rootGb: 0 }, 'CONFLICT', 'input.flavorid'],
    [{ name: 'zero', vcpus: 0, memoryMb: 1, rootGb: 0 }, 'BAD_USER_INPUT', 'input.vcpus'],
    [{ name: 'neg', vcpus: 1, memoryMb: 1, rootGb: -1 }, 'BAD_USER_INPUT', 'input.rootGb'],
    [{ name: 'rx', vcpus: 1, memoryMb: 1, rootGb: 0, rxtxFactor: 0 }, 'BAD_USER_INPUT', 'input.rxtxFactor'],
    [{ name: ' spaced', vcpus: 1, memoryMb: 1, rootGb: 0 }, 'BAD_USER_INPUT', 'input.name'],
    [{ name: 'weird-id', flavorid: 'a/b', vcpus: 1, memoryMb: 1, rootGb: 0 }, 'BAD_USER_INPUT', 'input.flavorid'],
  ])('refuses %j with %s naming %s, writing nothing', async (input, code, field) => {
    const before = await h.prisma.instanceType.count();
    const answer = await h.gql(ADMIN, CREATE, { input });
    expect(codes(answer)).toEqual([code]);
    expect(answer.errors![0].extensions!.field).toBe(field);
    expect(await h.prisma.instanceType.count()).toBe(before);
  });

  it('lists public, enabled flavors to a project without access, ordered by flavorid', async () => {
    const answer = await h.gql(user('p1'), `{ flavors { name flavorid } }`);
    expect(answer.data!.flavors.map((f: any) => f.name).sort()).toEqual(['auto', 'm1.large', 'm1.tiny']);
    const flavorids = answer.data!.flavors.map((f: any) => f.flavorid);
    expect(flavorids).toEqual([...flavorids].sort());
  });

  it('lists everything to admins, and filters by minimum sizes, visibility and disabled', async () => {
    expect(names(await h.gql(ADMIN, LIST))).toHaveLength(5);
    expect(names(await h.gql(ADMIN, LIST, { filter: { minVcpus: 4 } }))).toEqual(['m1.large', 'gpu.private']);
    expect(names(await h.gql(ADMIN, LIST, { filter: { minMemoryMb: 8192, isPublic: true } }))).toEqual(['m1.large']);
    expect(names(await h.gql(ADMIN, LIST, { filter: { minRootGb: 90 } }))).toEqual(['gpu.private']);
    expect(names(await h.gql(ADMIN, LIST, { filter: { disabled: true } }))).toEqual(['old']);
    expect(codes(await h.gql(ADMIN, LIST, { filter: { minVcpus: -1 } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('shares a private flavor with a project through access, and only with it', async () => {
    const added = await h.gql(ADMIN, `mutation ($id: ID!) { addFlavorAccess(id: $id, projectId: "p1") { access } }`, {
      id: ids['gpu.private'],
    });
    expect(added.data!.addFlavorAccess.access).toEqual(['p1']);
    expect(names(await h.gql(user('p1'), LIST))).toContain('gpu.private');
    expect(names(await h.gql(user('p2'), LIST))).not.toContain('gpu.private');
    const get = `query ($id: ID) { flavor(id: $id) { name access } }`;
    expect((await h.gql(user('p1'), get, { id: ids['gpu.private'] })).data!.flavor).toEqual({
      name: 'gpu.private',
      access: null,
    });
    expect((await h.gql(user('p2'), get, { id: ids['gpu.private'] })).data!.flavor).toBeNull();
    expect((await h.gql(user('p2'), `{ flavor(flavorid: "gpu") { name } }`)).data!.flavor).toBeNull();
  });

  it('refuses access changes that make no sense', async () => {
    expect(
      codes(
        await h.gql(ADMIN, `mutation ($id: ID!) { addFlavorAccess(id: $id, projectId: "p1") { id } }`, {
          id: ids['gpu.private'],
        }),
      ),
    ).toEqual(['CONFLICT']);
    expect(
      codes(
        await h.gql(ADMIN, `mutation ($id: ID!) { addFlavorAccess(id: $id, projectId: "p1") { id } }`, {
          id: ids['m1.tiny'],
        }),
      ),
    ).toEqual(['CONFLICT']);
    expect(
      codes(
        await h.gql(ADMIN, `mutation ($id: ID!) { removeFlavorAccess(id: $id, projectId: "p9") { id } }`, {
          id: ids['gpu.private'],
        }),
      ),
    ).toEqual(['NOT_FOUND']);
    const removed = await h.gql(
      ADMIN,
      `mutation ($id: ID!) { removeFlavorAccess(id: $id, projectId: "p1") { access } }`,
      { id: ids['gpu.private'] },
    );
    expect(removed.data!.removeFlavorAccess.access).toEqual([]);
    expect(names(await h.gql(user('p1'), LIST))).not.toContain('gpu.private');
  });

  it('sets and unsets extra specs', async () => {
    const literal = await h.gql(
      ADMIN,
      `mutation ($id: ID!) { setFlavorExtraSpecs(id: $id, extraSpecs: { quota_disk: "1000", trusted: true }) { extraSpecs } }`,
      { id: ids['m1.tiny'] },
    );
    expect(literal.data!.setFlavorExtraSpecs.extraSpecs).toEqual({ quota_disk: '1000', trusted: 'true' });
    const set = await h.gql(
      ADMIN,
      `mutation ($id: ID!, $s: JSON!) { setFlavorExtraSpecs(id: $id, extraSpecs: $s) { extraSpecs } }`,
      { id: ids['m1.large'], s: { 'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': 2 } },
    );
    expect(set.errors).toBeUndefined();
    const again = await h.gql(
      ADMIN,
      `mutation ($id: ID!, $s: JSON!) { setFlavorExtraSpecs(id: $id, extraSpecs: $s) { extraSpecs } }`,
      { id: ids['m1.large'], s: { 'hw:cpu_policy': 'shared' } },
    );
    expect(again.data!.setFlavorExtraSpecs.extraSpecs).toEqual({ 'hw:cpu_policy': 'shared', 'hw:numa_nodes': '2' });
    const unset = await h.gql(
      ADMIN,
      `mutation ($id: ID!) { unsetFlavorExtraSpec(id: $id, key: "hw:numa_nodes") { extraSpecs } }`,
      { id: ids['m1.large'] },
    );
    expect(unset.data!.unsetFlavorExtraSpec.extraSpecs).toEqual({ 'hw:cpu_policy': 'shared' });
    expect(
      codes(
        await h.gql(ADMIN, `mutation ($id: ID!) { unsetFlavorExtraSpec(id: $id, key: "hw:numa_nodes") { id } }`, {
          id: ids['m1.large'],
        }),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it.each([
    [[], /a non-empty object/],
    [{}, /a non-empty object/],
    [{ 'bad/key': 'x' }, /keys of 1-255/],
    [{ ok: { nested: true } }, /extraSpecs.ok: expected a string/],
  ])('refuses extra specs %j', async (specs, message) => {
    const answer = await h.gql(
      ADMIN,
      `mutation ($id: ID!, $s: JSON!) { setFlavorExtraSpecs(id: $id, extraSpecs: $s) { id } }`,
      { id: ids['m1.tiny'], s: specs },
    );
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0].message).toMatch(message);
  });

  it('refuses every flavor change to non-admins', async () => {
    const p = user('p1');
    const id = ids['m1.tiny'];
    const answers = await Promise.all([
      h.gql(p, CREATE, { input: { name: 'mine', vcpus: 1, memoryMb: 1, rootGb: 0 } }),
      h.gql(p, `mutation ($id: ID!) { deleteFlavor(id: $id) }`, { id }),
      h.gql(p, `mutation ($id: ID!) { setFlavorExtraSpecs(id: $id, extraSpecs: { a: "b" }) { id } }`, { id }),
      h.gql(p, `mutation ($id: ID!) { unsetFlavorExtraSpec(id: $id, key: "a") { id } }`, { id }),
      h.gql(p, `mutation ($id: ID!) { addFlavorAccess(id: $id, projectId: "p1") { id } }`, { id }),
      h.gql(p, `mutation ($id: ID!) { removeFlavorAccess(id: $id, projectId: "p1") { id } }`, { id }),
    ]);
    expect(answers.map(codes)).toEqual(Array(6).fill(['FORBIDDEN']));
  });

  it('deletes a flavor softly: gone from lists and flavorid look-ups, still resolvable by id, name reusable', async () => {
    expect(
      (await h.gql(ADMIN, `mutation ($id: ID!) { deleteFlavor(id: $id) }`, { id: ids.auto })).data!.deleteFlavor,
    ).toBe(ids.auto);
    expect(codes(await h.gql(ADMIN, `mutation ($id: ID!) { deleteFlavor(id: $id) }`, { id: ids.auto }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(names(await h.gql(ADMIN, LIST))).not.toContain('auto');
    expect(
      (await h.gql(user('p1'), `query ($id: ID) { flavor(id: $id) { name deleted } }`, { id: ids.auto })).data!.flavor,
    ).toEqual({ name: 'auto', deleted: true });
    expect(
      (await h.gql(ADMIN, CREATE, { input: { name: 'auto', vcpus: 1, memoryMb: 1, rootGb: 0 } })).errors,
    ).toBeUndefined();
  });

  it('refuses flavor() with both or neither argument, and a non-numeric id', async () => {
    expect(codes(await h.gql(ADMIN, `{ flavor { name } }`))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(ADMIN, `{ flavor(id: "1", flavorid: "1") { name } }`))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(ADMIN, `{ flavor(id: "abc") { name } }`))).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves Flavor entities for the cell subgraph’s references in one statement, private ones only with access', async () => {
    const reps = [ids['m1.tiny'], ids['m1.large'], ids['gpu.private'], '999999'].map((id) => ({
      __typename: 'Flavor',
      id,
    }));
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Flavor { name vcpus } } }`;
    h.statements.length = 0;
    const answer = await h.gql(user('p2'), query, { reps });
    expect(answer.data!._entities).toEqual([{ name: 'm1.tiny', vcpus: 1 }, { name: 'm1.large', vcpus: 4 }, null, null]);
    expect(h.statements.filter((sql) => /"instance_types"/.test(sql) && /FROM/.test(sql)).length).toBe(1);
  });
});
