import { randomUUID } from 'node:crypto';
import { admin, gql } from './support/graphqlClient';
import { BUILD, buildInput } from './support/build';
import { startQueuedCell, type QueuedCell } from './support/queueFixture';
import { waitFor } from './support/waitFor';

describe("the scheduler's build entry", () => {
  let cell: QueuedCell;

  beforeAll(async () => {
    cell = await startQueuedCell('build', ['compute3']);
  });
  afterAll(() => cell.close());

  it('writes the instance with its related rows and the agent brings it to ACTIVE, claiming node usage', async () => {
    const uuid = randomUUID();
    const answer = await gql<any>(cell.subgraph.url, BUILD, { input: buildInput(uuid, { host: 'compute3' }) }, admin());
    expect(answer.errors).toBeUndefined();
    expect(answer.data.buildInstance).toMatchObject({
      uuid,
      status: 'BUILD',
      vmState: 'building',
      host: 'compute3',
      node: 'compute3',
      flavor: { id: '3' },
      memoryMb: 2048,
      vcpus: 2,
      metadata: [{ key: 'role', value: 'web' }],
      systemMetadata: [
        { key: 'image_base_image_ref', value: 'img-1' },
        { key: 'security_groups', value: 'default' },
      ],
      infoCache: { networkInfo: [] },
      fault: null,
      // The agent may already have started: events are not asserted here.
      actions: [expect.objectContaining({ action: 'create', requestId: `req-${uuid}` })],
    });
    expect(answer.data.buildInstance.extra.flavor.cur.name).toBe('m1.small');
    await waitFor('the build to settle', async () => cell.settled.some((s) => s.requestId === `req-${uuid}`));
    const built = await cell.db.instance.findUniqueOrThrow({ where: { uuid } });
    expect(built).toMatchObject({
      vmState: 'active',
      taskState: null,
      powerState: 1,
      host: 'compute3',
      launchedOn: 'compute3',
    });
    expect(built.launchedAt).not.toBeNull();
    const node = await cell.db.computeNode.findFirstOrThrow({ where: { host: 'compute3' } });
    expect(node).toMatchObject({ vcpusUsed: 2, memoryMbUsed: 2048, localGbUsed: 25, runningVms: 1 });
    const action = await cell.db.instanceAction.findFirstOrThrow({
      where: { instanceUuid: uuid },
      include: { events: true },
    });
    expect(action.finishTime).not.toBeNull();
    expect(action.events).toEqual([
      expect.objectContaining({ event: 'compute_build_and_run_instance', result: 'Success' }),
    ]);

    // Deleting gives the resources back.
    const del = await gql<any>(
      cell.subgraph.url,
      `mutation($u: ID!) { deleteInstance(uuid: $u) { requestId } }`,
      { u: uuid },
      admin(),
    );
    await waitFor('the delete to settle', async () =>
      cell.settled.some((s) => s.requestId === del.data.deleteInstance.requestId),
    );
    expect(await cell.db.computeNode.findFirstOrThrow({ where: { host: 'compute3' } })).toMatchObject({
      vcpusUsed: 0,
      memoryMbUsed: 0,
      localGbUsed: 0,
      runningVms: 0,
    });
  });

  it('answers a second build of the same uuid with the instance it holds, and publishes nothing again', async () => {
    const uuid = randomUUID();
    await gql(cell.subgraph.url, BUILD, { input: buildInput(uuid, { host: 'compute3' }) }, admin());
    await waitFor('the build to settle', async () => cell.settled.some((s) => s.requestId === `req-${uuid}`));
    const again = await gql<any>(
      cell.subgraph.url,
      BUILD,
      { input: buildInput(uuid, { host: 'compute3', requestId: `req-again-${uuid}` }) },
      admin(),
    );
    expect(again.errors).toBeUndefined();
    expect(again.data.buildInstance).toMatchObject({
      uuid,
      host: 'compute3',
      actions: [expect.objectContaining({ requestId: `req-${uuid}` })],
    });
    expect(await cell.db.instance.count({ where: { uuid } })).toBe(1);
    expect(await cell.db.instanceAction.count({ where: { instanceUuid: uuid } })).toBe(1);
    // A second message would have been settled (as an orphan: it has no action) by now or soon; none comes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cell.settled.filter((s) => s.requestId === `req-again-${uuid}`)).toEqual([]);
  });

  it.each([
    ['uuid', { uuid: 'not-a-uuid' }, 'input.uuid: expected a UUID, got "not-a-uuid"'],
    ['host', { host: null }, 'input.host: expected a compute host'],
    [
      'flavor.vcpus',
      { flavor: { id: '3', flavorid: 'x', name: 'x', memoryMb: 1, vcpus: -1, rootGb: 1, ephemeralGb: 0, swap: 0 } },
      'input.flavor.vcpus: expected a non-negative integer, got -1',
    ],
    ['metadata key', { host: 'compute3', metadata: [{ key: '', value: 'v' }] }, 'input.metadata[0].key'],
  ])('refuses a bad %s with BAD_USER_INPUT and writes nothing', async (_, overrides, message) => {
    const uuid = randomUUID();
    const before = await cell.db.instance.count();
    const answer = await gql<any>(
      cell.subgraph.url,
      BUILD,
      { input: { ...buildInput(uuid, { host: 'compute3' }), ...overrides } },
      admin(),
    );
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toContain(message);
    expect(await cell.db.instance.count()).toBe(before);
  });
});
