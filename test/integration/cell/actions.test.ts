import { connect } from 'amqplib';
import { rabbitmqctl } from '../../helpers/rabbit';
import { admin, gql, user } from './support/graphqlClient';
import { startQueuedCell, type QueuedCell } from './support/queueFixture';
import { seedInstance } from './support/seed';
import { waitFor } from './support/waitFor';

const FIELDS = `instance { uuid status vmState taskState powerState } requestId action`;

describe('instance actions through the broker and the compute agent', () => {
  let cell: QueuedCell;
  const owner = user('p1');

  beforeAll(async () => {
    cell = await startQueuedCell('actions');
  });
  afterAll(() => cell.close());

  async function act(mutation: string, uuid: string, identity = owner, extra = '') {
    return gql<any>(
      cell.subgraph.url,
      `mutation($u: ID!) { ${mutation}(uuid: $u${extra}) { ${FIELDS} } }`,
      { u: uuid },
      identity,
    );
  }

  async function settledState(uuid: string, requestId: string) {
    await waitFor(`request ${requestId} to settle`, async () => cell.settled.some((s) => s.requestId === requestId));
    return cell.db.instance.findUniqueOrThrow({ where: { uuid } });
  }

  // What a compute agent does at start: the host's queue exists, nobody consumes it here.
  async function declareQueue(queue: string) {
    const connection = await connect(cell.vhost.url);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(queue, { durable: true });
    } finally {
      await connection.close();
    }
  }

  async function eventsOf(uuid: string, requestId: string) {
    const action = await cell.db.instanceAction.findUniqueOrThrow({
      where: { instanceUuid_requestId: { instanceUuid: uuid, requestId } },
      include: { events: true },
    });
    return action;
  }

  it.each([
    ['rebootInstance', 'active', 'REBOOT', 'reboot', 'ACTIVE', 'compute_reboot_instance'],
    ['stopInstance', 'active', 'ACTIVE', 'stop', 'SHUTOFF', 'compute_stop_instance'],
    ['startInstance', 'stopped', 'SHUTOFF', 'start', 'ACTIVE', 'compute_start_instance'],
    ['pauseInstance', 'active', 'ACTIVE', 'pause', 'PAUSED', 'compute_pause_instance'],
    ['unpauseInstance', 'paused', 'PAUSED', 'unpause', 'ACTIVE', 'compute_unpause_instance'],
    ['suspendInstance', 'active', 'ACTIVE', 'suspend', 'SUSPENDED', 'compute_suspend_instance'],
    ['resumeInstance', 'suspended', 'SUSPENDED', 'resume', 'ACTIVE', 'compute_resume_instance'],
  ])(
    '%s from %s: answers with the task set, and the agent finishes it',
    async (mutation, vmState, statusNow, action, statusAfter, event) => {
      const row = await seedInstance(cell.db, { projectId: 'p1', vmState });
      const answer = await act(mutation, row.uuid);
      expect(answer.errors).toBeUndefined();
      const payload = answer.data[mutation];
      expect(payload.action).toBe(action);
      expect(payload.requestId).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(payload.instance.taskState).not.toBeNull();
      expect(payload.instance.status).toBe(statusNow);
      const after = await settledState(row.uuid, payload.requestId);
      expect(after.taskState).toBeNull();
      const status = await gql<any>(
        cell.subgraph.url,
        `query($u: ID!) { instance(uuid: $u) { status } }`,
        { u: row.uuid },
        owner,
      );
      expect(status.data.instance.status).toBe(statusAfter);
      const recorded = await eventsOf(row.uuid, payload.requestId);
      expect(recorded).toMatchObject({ action, userId: owner.userId, projectId: 'p1' });
      expect(recorded.finishTime).not.toBeNull();
      expect(recorded.events).toEqual([expect.objectContaining({ event, result: 'Success', host: 'compute1' })]);
      expect(recorded.events[0].startTime).not.toBeNull();
      expect(recorded.events[0].finishTime).not.toBeNull();
    },
  );

  it('hard-reboots a stopped instance back to ACTIVE', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', vmState: 'stopped', powerState: 4 });
    const answer = await act('rebootInstance', row.uuid, owner, ', hard: true');
    expect(answer.data.rebootInstance.instance).toMatchObject({ status: 'SHUTOFF', taskState: 'rebooting_hard' });
    const after = await settledState(row.uuid, answer.data.rebootInstance.requestId);
    expect(after).toMatchObject({ vmState: 'active', taskState: null, powerState: 1 });
  });

  it('deletes through the agent: soft-deleted with deleted = id, the hook called', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const answer = await act('deleteInstance', row.uuid);
    expect(answer.data.deleteInstance.instance.taskState).toBe('deleting');
    const after = await settledState(row.uuid, answer.data.deleteInstance.requestId);
    expect(after).toMatchObject({ vmState: 'deleted', taskState: null, deleted: row.id });
    expect(after.deletedAt).not.toBeNull();
    expect(after.terminatedAt).not.toBeNull();
    expect(cell.deleted.map((i) => i.uuid)).toContain(row.uuid);
  });

  it('deletes an instance without a host locally, publishing nothing', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', vmState: 'error', host: null });
    const answer = await act('deleteInstance', row.uuid);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.deleteInstance.instance).toMatchObject({ status: 'DELETED', taskState: null });
    const stored = await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } });
    expect(stored.deleted).toBe(row.id);
    const action = await eventsOf(row.uuid, answer.data.deleteInstance.requestId);
    expect(action.finishTime).not.toBeNull();
    expect(action.events).toEqual([]);
  });

  it('refuses an action the state does not allow with INVALID_STATE naming the state, changing nothing', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', vmState: 'stopped', powerState: 4 });
    const answer = await act('stopInstance', row.uuid);
    expect(answer.errors?.[0].extensions).toMatchObject({
      code: 'INVALID_STATE',
      attr: 'vm_state',
      state: 'stopped',
      action: 'stop',
    });
    expect(answer.errors?.[0].message).toBe(`Cannot 'stop' instance ${row.uuid} while it is in vm_state stopped`);
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      vmState: 'stopped',
      taskState: null,
      updatedAt: null,
    });
    expect(await cell.db.instanceAction.count({ where: { instanceUuid: row.uuid } })).toBe(0);
  });

  it('refuses a second soft reboot while the first runs, naming the task state', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1', taskState: 'rebooting' });
    const answer = await act('rebootInstance', row.uuid);
    expect(answer.errors?.[0].extensions).toMatchObject({
      code: 'INVALID_STATE',
      attr: 'task_state',
      state: 'rebooting',
    });
  });

  it('lets only one of two concurrent stops through; the other changes nothing', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const answers = await Promise.all([act('stopInstance', row.uuid), act('stopInstance', row.uuid)]);
    const codes = answers.map((a) => a.errors?.[0].extensions?.code ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(1);
    expect(['CONFLICT', 'INVALID_STATE']).toContain(codes.find((code) => code !== 'OK'));
    const winner = answers.find((a) => !a.errors)!;
    await settledState(row.uuid, winner.data.stopInstance.requestId);
    expect(await cell.db.instanceAction.count({ where: { instanceUuid: row.uuid } })).toBe(1);
  });

  it('refuses actions on a locked instance to its owner but not to an admin', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const lock = await gql<any>(
      cell.subgraph.url,
      `mutation($u: ID!) { lockInstance(uuid: $u, reason: "maintenance") { instance { locked lockedBy } action } }`,
      { u: row.uuid },
      owner,
    );
    expect(lock.data.lockInstance).toEqual({ instance: { locked: true, lockedBy: 'owner' }, action: 'lock' });
    const refused = await act('stopInstance', row.uuid);
    expect(refused.errors?.[0].extensions?.code).toBe('INSTANCE_LOCKED');
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({ taskState: null });
    const byAdmin = await act('stopInstance', row.uuid, admin());
    expect(byAdmin.errors).toBeUndefined();
    await settledState(row.uuid, byAdmin.data.stopInstance.requestId);
  });

  it("keeps an admin's lock on someone else's instance from being lifted by the owner", async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const lock = await gql<any>(
      cell.subgraph.url,
      `mutation($u: ID!) { lockInstance(uuid: $u) { instance { lockedBy } } }`,
      { u: row.uuid },
      admin(),
    );
    expect(lock.data.lockInstance.instance.lockedBy).toBe('admin');
    // The owner sees the admin's action on its instance, but not the admin's user or project.
    const actions = `query($u: ID!) { instance(uuid: $u) { actions { action userId projectId } } }`;
    expect((await gql<any>(cell.subgraph.url, actions, { u: row.uuid }, owner)).data.instance.actions).toEqual([
      { action: 'lock', userId: null, projectId: null },
    ]);
    expect((await gql<any>(cell.subgraph.url, actions, { u: row.uuid }, admin())).data.instance.actions).toEqual([
      { action: 'lock', userId: expect.any(String), projectId: expect.any(String) },
    ]);
    const unlock = await act('unlockInstance', row.uuid);
    expect(unlock.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await act('unlockInstance', row.uuid, admin())).errors).toBeUndefined();
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } })).toMatchObject({
      locked: false,
      lockedBy: null,
    });
  });

  it("answers NOT_FOUND for an unknown instance or another project's", async () => {
    const other = await seedInstance(cell.db, { projectId: 'p2' });
    expect((await act('stopInstance', other.uuid)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await act('stopInstance', '6d9f0b5e-0000-4000-8000-000000000000')).errors?.[0].extensions?.code).toBe(
      'NOT_FOUND',
    );
  });

  it("publishes every action over one reused connection (plus the notifications' and the agent's own)", async () => {
    for (let i = 0; i < 3; i++) {
      const row = await seedInstance(cell.db, { projectId: 'p1' });
      expect((await act('pauseInstance', row.uuid)).errors).toBeUndefined();
    }
    const connections = (await rabbitmqctl('list_connections', 'vhost'))
      .split('\n')
      .filter((line) => line.trim() === cell.vhost.name);
    // The subgraph's compute messages, the subgraph's notifications (its own link), the agent's consumer.
    expect(connections).toHaveLength(3);
  });

  it('withdraws the action when the broker refuses the message (a nack instead of a confirm)', async () => {
    // A policy that makes compute.full refuse every publish: the broker answers with basic.nack.
    await rabbitmqctl(
      'set_policy',
      '-p',
      cell.vhost.name,
      'refuse-all',
      '^compute\\.full$',
      '{"max-length":0,"overflow":"reject-publish"}',
      '--apply-to',
      'queues',
    );
    await declareQueue('compute.full');
    const before = new Date('2020-01-01T00:00:00Z');
    const row = await seedInstance(cell.db, { projectId: 'p1', host: 'full', updatedAt: before });
    const answer = await act('stopInstance', row.uuid);
    expect(answer.errors?.[0].message).toBe("the cell's message broker refused the message");
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'BROKER_UNAVAILABLE', reason: 'BROKER_REFUSED' });
    const after = await cell.db.instance.findUniqueOrThrow({ where: { uuid: row.uuid } });
    expect(after).toMatchObject({ vmState: 'active', taskState: null });
    // The task state went and came back: updated_at says so, it is never rewound.
    expect(after.updatedAt!.getTime()).toBeGreaterThan(before.getTime());
    expect(await cell.db.instanceAction.count({ where: { instanceUuid: row.uuid } })).toBe(0);
    expect(await cell.db.computeOutbox.count({ where: { instanceUuid: row.uuid } })).toBe(0);
    // The link is usable again for the next action.
    const other = await seedInstance(cell.db, { projectId: 'p1' });
    const next = await act('stopInstance', other.uuid);
    expect(next.errors).toBeUndefined();
    await settledState(other.uuid, next.data.stopInstance.requestId);
  });

  it('leaves no outbox row behind a confirmed action', async () => {
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const answer = await act('suspendInstance', row.uuid);
    expect(answer.errors).toBeUndefined();
    expect(await cell.db.computeOutbox.count({ where: { instanceUuid: row.uuid } })).toBe(0);
    await settledState(row.uuid, answer.data.suspendInstance.requestId);
  });

  it('publishes again after the broker closed every connection', async () => {
    const first = await seedInstance(cell.db, { projectId: 'p1' });
    const warm = await act('pauseInstance', first.uuid);
    expect(warm.errors).toBeUndefined();
    await settledState(first.uuid, warm.data.pauseInstance.requestId);
    await rabbitmqctl('close_all_connections', '-p', cell.vhost.name, 'test: broker restart');
    const row = await seedInstance(cell.db, { projectId: 'p1' });
    const answer = await act('stopInstance', row.uuid);
    expect(answer.errors).toBeUndefined();
    const after = await settledState(row.uuid, answer.data.stopInstance.requestId);
    expect(after.vmState).toBe('stopped');
  });
});
