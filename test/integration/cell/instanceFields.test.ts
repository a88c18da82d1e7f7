import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, user } from './support/graphqlClient';
import { ALL_INSTANCE_FIELDS } from '../../../bench/queries';
import { seedInstance, seedNested } from './support/seed';

describe('the Instance entity of a cell', () => {
  let cell: CellFixture;
  let uuid: string;

  beforeAll(async () => {
    cell = await startCellFixture('fields');
    const row = await seedInstance(cell.db, {
      projectId: 'p1',
      vmState: 'active',
      taskState: 'rebooting_hard',
      powerState: 1,
      instanceTypeId: 7,
    });
    uuid = row.uuid;
    await cell.db.instance.update({
      where: { uuid },
      data: {
        displayDescription: 'd',
        hostname: 'web-1',
        keyName: 'k',
        imageRef: 'img-1',
        availabilityZone: 'nova',
        reservationId: 'r-1',
        accessIpV4: '10.0.0.1',
        configDrive: 'True',
        progress: 40,
        locked: true,
        lockedBy: 'owner',
      },
    });
    await seedNested(cell.db, uuid);
  });
  afterAll(() => cell.close());

  it('answers every scalar field from the instance row', async () => {
    const answer: any = await gql(
      cell.subgraph.url,
      `query($u: ID!) { instance(uuid: $u) { ${ALL_INSTANCE_FIELDS} } }`,
      { u: uuid },
      user('p1'),
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.instance).toMatchObject({
      uuid,
      status: 'HARD_REBOOT',
      displayName: `vm-${uuid.slice(0, 8)}`,
      displayDescription: 'd',
      hostname: 'web-1',
      projectId: 'p1',
      userId: 'u1',
      host: 'compute1',
      node: 'compute1',
      vmState: 'active',
      taskState: 'rebooting_hard',
      powerState: 1,
      powerStateName: 'RUNNING',
      flavor: { id: '7' },
      memoryMb: 512,
      vcpus: 1,
      rootGb: 1,
      ephemeralGb: 0,
      keyName: 'k',
      imageRef: 'img-1',
      availabilityZone: 'nova',
      reservationId: 'r-1',
      accessIpV4: '10.0.0.1',
      accessIpV6: null,
      configDrive: 'True',
      progress: 40,
      locked: true,
      lockedBy: 'owner',
      terminatedAt: null,
      deletedAt: null,
      deleted: false,
    });
    expect(answer.data.instance.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('answers every nested list, faults newest first, JSON columns parsed', async () => {
    const answer: any = await gql(
      cell.subgraph.url,
      `query($u: ID!) { instance(uuid: $u) { ${ALL_INSTANCE_FIELDS} } }`,
      { u: uuid },
      user('p1'),
    );
    const instance = answer.data.instance;
    expect(instance.metadata).toEqual([{ key: 'role', value: 'web' }]);
    expect(instance.systemMetadata).toEqual([{ key: 'image_base_image_ref', value: 'img-1' }]);
    expect(instance.infoCache.networkInfo).toEqual([{ id: `port-${uuid.slice(0, 8)}`, address: 'fa:16:3e:00:00:01' }]);
    expect(instance.extra.flavor).toEqual({ cur: { name: 'm1.tiny' } });
    expect(instance.faults.map((f: any) => f.message)).toEqual(['newest', 'older']);
    expect(instance.fault).toEqual({ code: 500, message: 'newest' });
    expect(instance.actions).toHaveLength(1);
    expect(instance.actions[0]).toMatchObject({ action: 'create', requestId: `req-${uuid.slice(0, 8)}` });
    expect(instance.actions[0].events).toEqual([
      expect.objectContaining({ event: 'compute_build_and_run_instance', result: 'Success' }),
    ]);
    expect(instance.blockDeviceMappings).toEqual([
      expect.objectContaining({
        sourceType: 'image',
        destinationType: 'local',
        bootIndex: 0,
        deleteOnTermination: true,
      }),
    ]);
    expect(instance.virtualInterfaces).toEqual([
      expect.objectContaining({ address: `fa:16:3e:${uuid.slice(0, 8)}`, networkId: 'net-1' }),
    ]);
    expect(instance.pciDevices).toEqual([
      expect.objectContaining({ vendorId: '8086', productId: '1520', devType: 'type-VF', status: 'allocated' }),
    ]);
  });

  it('gives null flavor and null nested singletons for a bare instance', async () => {
    const bare = await seedInstance(cell.db, { projectId: 'p1', instanceTypeId: null, vmState: 'weird' });
    const answer: any = await gql(
      cell.subgraph.url,
      `query($u: ID!) { instance(uuid: $u) { status flavor { id } infoCache { networkInfo } extra { flavor } fault { code } faults { code } metadata { key } } }`,
      { u: bare.uuid },
      user('p1'),
    );
    expect(answer.data.instance).toEqual({
      status: 'UNKNOWN',
      flavor: null,
      infoCache: null,
      extra: null,
      fault: null,
      faults: [],
      metadata: [],
    });
  });

  it("hides another project's instance from a non-admin and shows it to an admin", async () => {
    expect(
      (await gql(cell.subgraph.url, `query($u: ID!) { instance(uuid: $u) { uuid } }`, { u: uuid }, user('p2'))).data,
    ).toEqual({ instance: null });
    expect(
      (await gql(cell.subgraph.url, `query($u: ID!) { instance(uuid: $u) { uuid } }`, { u: uuid }, admin())).data,
    ).toEqual({ instance: { uuid } });
  });

  it('shows a deleted instance to an admin only', async () => {
    const gone = await seedInstance(cell.db, { projectId: 'p1', deleted: true });
    const query = `query($u: ID!) { instance(uuid: $u) { status deleted deletedAt } }`;
    expect((await gql(cell.subgraph.url, query, { u: gone.uuid }, user('p1'))).data).toEqual({ instance: null });
    const seen: any = await gql(cell.subgraph.url, query, { u: gone.uuid }, admin());
    expect(seen.data.instance).toMatchObject({ status: 'DELETED', deleted: true });
    expect(seen.data.instance.deletedAt).not.toBeNull();
  });

  it('resolves _entities references in one SQL statement, null for unknown or unseen uuids', async () => {
    const others = await Promise.all([1, 2, 3].map(() => seedInstance(cell.db, { projectId: 'p1' })));
    const foreign = await seedInstance(cell.db, { projectId: 'p9' });
    const representations = [...others.map((o) => o.uuid), 'no-such-uuid', foreign.uuid].map((u) => ({
      __typename: 'Instance',
      uuid: u,
    }));
    cell.statements.length = 0;
    const answer: any = await gql(
      cell.subgraph.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instance { uuid status } } }`,
      { r: representations },
      user('p1'),
    );
    expect(answer.data._entities.map((e: any) => e?.uuid ?? null)).toEqual([...others.map((o) => o.uuid), null, null]);
    expect(cell.statements).toHaveLength(1);
  });

  it('refuses a request without the internal secret with 401 before touching the database', async () => {
    cell.statements.length = 0;
    const answer = await gql(cell.subgraph.url, `{ instances { edges { cursor } } }`, {}, admin(), 'wrong-secret');
    expect(answer.status).toBe(401);
    expect(cell.statements).toHaveLength(0);
  });
});
