import { randomUUID } from 'node:crypto';
import { registerComputeNode } from '../../../../cellsAdmin';
import { SERVICE_IDENTITY } from '../../../../domain/identity';
import { subscribeWs, type EventLog } from '../../../helpers/eventClients';
import { seedInstances } from '../../../helpers/instances';
import { TEST_SECRET } from '../../../helpers/topology';
import { BUILD, buildInput } from '../../cell/support/build';
import { gql } from '../../cell/support/graphqlClient';
import { startEventWorld, type EventWorld } from './eventWorld';

// Real topologies on a machine shared with other test runs: the defaults are too short under load.
jest.setTimeout(180000);

describe('an event is sent only for a change that stands', () => {
  let world: EventWorld;
  let admin: EventLog;

  beforeAll(async () => {
    world = await startEventWorld();
    admin = await subscribeWs(world.topo.gateway.url, world.tokens.admin, { allProjects: true });
  }, 240000);
  afterAll(async () => {
    await admin?.close();
    await world?.stop();
  });

  it('sends nothing for a build that rolled back or was withdrawn for an alternate, and reports a withdrawn action put back', async () => {
    const { topo, demo, tokens } = world;
    const cell1 = topo.cells[0];
    const build = (uuid: string, overrides: Record<string, unknown>) =>
      gql(
        cell1.subgraph!.url,
        BUILD,
        { input: buildInput(uuid, { projectId: 'demo', ...overrides }) },
        SERVICE_IDENTITY,
        TEST_SECRET,
      );

    // Rolled back: the scheduler's deadline passed, so the transaction that wrote the instance (and its event) aborts.
    const late = randomUUID();
    const lateAnswer = await build(late, {
      host: 'cell1-compute1',
      deadline: new Date(Date.now() - 1000).toISOString(),
    });
    expect(lateAnswer.errors?.[0].extensions?.reason).toBe('DEADLINE_PASSED');
    // Withdrawn: the host has no queue, so the build is taken back for the scheduler's alternate.
    const ghostBuild = randomUUID();
    await registerComputeNode(cell1.prisma, { host: 'ghost', vcpus: 8, memoryMb: 8192, localGb: 100 });
    const ghostAnswer = await build(ghostBuild, { host: 'ghost' });
    expect(ghostAnswer.errors?.[0].extensions?.code).toBe('HOST_UNAVAILABLE');
    // Withdrawn action: the instance's host has no queue.
    const [stranded] = await seedInstances(cell1, topo.api, { count: 1, projects: ['demo'], host: 'ghost' });
    const refused = await topo.query(
      `mutation($u: ID!) { rebootInstance(uuid: $u) { requestId } }`,
      { u: stranded.uuid },
      tokens.demo,
    );
    expect(refused.body.errors?.[0].extensions?.code).toBe('HOST_UNAVAILABLE');

    await admin.waitFor((e) => e.instanceUuid === stranded.uuid && e.status === 'ACTIVE');
    // A change that stands, after all of them: once its events are here, theirs would have been too.
    await world.act('lockInstance', demo[0].uuid, tokens.demo);
    await admin.waitFor((e) => e.instanceUuid === demo[0].uuid && e.eventType === 'instance.lock.end');
    const ok = randomUUID();
    expect((await build(ok, { host: 'cell1-compute1' })).errors).toBeUndefined();
    await admin.waitFor((e) => e.instanceUuid === ok && e.eventType === 'instance.create.end');

    const about = new Set<string>([late, ghostBuild]);
    expect(admin.events.filter((e) => about.has(e.instanceUuid ?? ''))).toEqual([]);
    // The withdrawn action's task state was committed, then put back: both are told, nothing of a reboot.
    expect(
      admin.events.filter((e) => e.instanceUuid === stranded.uuid).map((e) => [e.eventType, e.status, e.taskState]),
    ).toEqual([
      ['instance.update', 'REBOOT', 'rebooting'],
      ['instance.update', 'ACTIVE', null],
    ]);
    // Every event that went out left the outbox; none is waiting for the changes that did not stand.
    for (let i = 0; (await cell1.prisma.notificationOutbox.count()) > 0; i++) {
      if (i > 100) throw new Error('notification outbox not drained');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A build's first event waits for its message, so the agent's start may overtake it; occurredAt orders them.
    const built = admin.events.filter((e) => e.instanceUuid === ok);
    built.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
    expect(built.map((e) => e.eventType)).toEqual([
      'instance.update',
      'instance.create.start',
      'instance.update',
      'instance.create.end',
    ]);
  });
});
