import { randomUUID } from 'node:crypto';
import { ADMIN, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Cell { name graphqlUrl }
  ... on SecurityGroup { groupName: name projectId rules { protocol } }
  ... on Network { label }
} }`;

describe('entity references the global subgraph resolves', () => {
  let h: GlobalHarness;
  const cellUuid = randomUUID();
  const netP1 = randomUUID();
  const netP2 = randomUUID();
  let groupP1 = '';

  beforeAll(async () => {
    h = await startGlobalHarness('entities');
    await h.prisma.cellMapping.create({
      data: {
        uuid: cellUuid,
        name: 'cell1',
        transportUrl: 'none:///',
        databaseConnection: 'postgresql://x/c1',
        graphqlUrl: 'http://127.0.0.1:1/graphql',
      },
    });
    const group = await h.prisma.securityGroup.create({ data: { name: 'web', projectId: 'p1', userId: 'u1' } });
    await h.prisma.securityGroupRule.create({
      data: { parentGroupId: group.id, protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' },
    });
    groupP1 = String(group.id);
    await h.prisma.network.createMany({
      data: [
        { uuid: netP1, label: 'n1', projectId: 'p1' },
        { uuid: netP2, label: 'n2', projectId: 'p2' },
      ],
    });
  });
  afterAll(() => h.close());

  it('resolves cells by uuid, with admin-only fields still hidden from members', async () => {
    const reps = [
      { __typename: 'Cell', uuid: cellUuid },
      { __typename: 'Cell', uuid: randomUUID() },
    ];
    expect((await h.gql(user('p1'), ENTITIES, { reps })).data!._entities).toEqual([
      { name: 'cell1', graphqlUrl: null },
      null,
    ]);
    expect((await h.gql(ADMIN, ENTITIES, { reps })).data!._entities[0]).toEqual({
      name: 'cell1',
      graphqlUrl: 'http://127.0.0.1:1/graphql',
    });
  });

  it('resolves security groups and networks only for callers who may see them', async () => {
    const reps = [
      { __typename: 'SecurityGroup', id: groupP1 },
      { __typename: 'Network', uuid: netP1 },
      { __typename: 'Network', uuid: netP2 },
    ];
    expect((await h.gql(user('p1'), ENTITIES, { reps })).data!._entities).toEqual([
      { groupName: 'web', projectId: 'p1', rules: [{ protocol: 'tcp' }] },
      { label: 'n1' },
      null,
    ]);
    expect((await h.gql(user('p2'), ENTITIES, { reps })).data!._entities).toEqual([null, null, { label: 'n2' }]);
  });

  it('answers securityGroup(id) for the owner and null for anyone else', async () => {
    const query = `query ($id: ID!) { securityGroup(id: $id) { name rules { fromPort toPort cidr } } }`;
    expect((await h.gql(user('p1'), query, { id: groupP1 })).data!.securityGroup).toEqual({
      name: 'web',
      rules: [{ fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }],
    });
    expect((await h.gql(user('p2'), query, { id: groupP1 })).data!.securityGroup).toBeNull();
  });
});
