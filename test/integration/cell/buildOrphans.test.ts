import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startComputeAgent, type RunningComputeAgent } from '../../../compute/agent';
import { relayOutbox } from '../../../subgraphs/cell/computeOutbox';
import { createCellQueue } from '../../../subgraphs/cell/queue';
import { silentLogger } from '../../../infrastructure/logger';
import { withoutNotifications } from './support/notifications';
import { createTestVhost, type TestVhost } from '../../helpers/rabbit';
import { startAmqpProxy, type AmqpProxy } from './support/amqpProxy';
import { BUILD, buildInput } from './support/build';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, TEST_SECRET } from './support/graphqlClient';
import { waitFor } from './support/waitFor';

describe('builds under broker faults leave no instance without its message', () => {
  let vhost: TestVhost;
  let proxy: AmqpProxy;
  let cell: CellFixture;
  let agent: RunningComputeAgent;
  const settled: { requestId: string | null; kind: string }[] = [];

  beforeAll(async () => {
    vhost = await createTestVhost('buildorphans');
    proxy = await startAmqpProxy();
    // The in-process subgraph's relay stays out of the way: the tests run relay passes themselves.
    cell = await startCellFixture('buildorphans', {
      transportUrl: proxy.url(vhost.name),
      publishTimeoutMs: 1500,
      outboxRelayMs: 3600000,
    });
    agent = await startComputeAgent({
      databaseUrl: cell.database.url,
      transportUrl: vhost.url,
      hosts: ['compute1'],
      delayMs: 10,
      onSettled: (outcome, requestId) => void settled.push({ requestId, kind: outcome.kind }),
    });
  });
  afterAll(async () => {
    proxy?.release();
    await agent?.close();
    await cell?.close();
    await proxy?.close();
    await vhost?.drop();
  });

  const build = (url: string, uuid: string, host: string) =>
    gql<any>(url, BUILD, { input: buildInput(uuid, { host }) }, admin());
  const settledFor = (requestId: string) => settled.filter((s) => s.requestId === requestId);

  /** Nothing of the build is left: no instance, no action, no outbox row. */
  async function expectNoBuild(uuid: string) {
    expect(await cell.db.instance.count({ where: { uuid } })).toBe(0);
    expect(await cell.db.instanceAction.count({ where: { instanceUuid: uuid } })).toBe(0);
    expect(await cell.db.instanceExtra.count({ where: { instanceUuid: uuid } })).toBe(0);
    expect(await cell.db.computeOutbox.count({ where: { instanceUuid: uuid } })).toBe(0);
  }

  it('records the build in the outbox and drops the row on the confirm', async () => {
    const uuid = randomUUID();
    const answer = await build(cell.subgraph.url, uuid, 'compute1');
    expect(answer.errors).toBeUndefined();
    expect(await cell.db.computeOutbox.count({ where: { instanceUuid: uuid } })).toBe(0);
    await waitFor('the agent to build it', async () => settledFor(`req-${uuid}`).some((s) => s.kind === 'applied'));
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid } })).toMatchObject({
      vmState: 'active',
      taskState: null,
    });
  });

  it('refuses a build for a host without a queue with HOST_UNAVAILABLE and removes all it wrote, so the scheduler tries an alternate', async () => {
    const uuid = randomUUID();
    const answer = await build(cell.subgraph.url, uuid, 'ghost');
    expect(answer.errors?.[0]).toMatchObject({
      message: 'compute host ghost is not consuming',
      extensions: { code: 'HOST_UNAVAILABLE', reason: 'HOST_NOT_CONSUMING', host: 'ghost' },
    });
    await expectNoBuild(uuid);
  });

  it('removes a build whose publish never reached the broker (BROKER_UNAVAILABLE); the late message is an orphan', async () => {
    const warm = randomUUID();
    expect((await build(cell.subgraph.url, warm, 'compute1')).errors).toBeUndefined();
    const uuid = randomUUID();
    const orphans = settled.filter((s) => s.kind === 'orphan').length;
    proxy.hold('toBroker');
    let answer;
    try {
      answer = await build(cell.subgraph.url, uuid, 'compute1');
    } finally {
      proxy.release();
    }
    expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BROKER_UNAVAILABLE', reason: 'BROKER_TIMEOUT' } });
    await expectNoBuild(uuid);
    await waitFor(
      'the late message to be settled as an orphan',
      async () => settled.filter((s) => s.kind === 'orphan').length === orphans + 1,
    );
    expect(await cell.db.instance.count({ where: { uuid } })).toBe(0);
  });

  it('keeps and answers a build whose confirm was lost but which the agent already started', async () => {
    const warm = randomUUID();
    expect((await build(cell.subgraph.url, warm, 'compute1')).errors).toBeUndefined();
    const uuid = randomUUID();
    proxy.hold('toClient');
    let answer;
    try {
      answer = await build(cell.subgraph.url, uuid, 'compute1');
    } finally {
      proxy.release();
    }
    expect(answer.errors).toBeUndefined();
    expect(answer.data.buildInstance.uuid).toBe(uuid);
    await waitFor('the agent to build it', async () => settledFor(`req-${uuid}`).some((s) => s.kind === 'applied'));
    expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid } })).toMatchObject({
      vmState: 'active',
      taskState: null,
    });
    expect(await cell.db.computeOutbox.count({ where: { instanceUuid: uuid } })).toBe(0);
  });

  describe('a cell subgraph killed between the build commit and the confirm', () => {
    let child: ChildProcess | null = null;
    let crashProxy: AmqpProxy;

    beforeAll(async () => {
      crashProxy = await startAmqpProxy();
    });
    afterAll(async () => {
      child?.kill('SIGKILL');
      crashProxy.release();
      await crashProxy.close();
    });

    async function startChild(name: string, outboxRelayMs: number): Promise<string> {
      const options = {
        cellUuid: cell.cellUuid,
        cellName: name,
        databaseUrl: cell.database.url,
        transportUrl: crashProxy.url(vhost.name),
        port: 0,
        internalSecret: TEST_SECRET,
        publishTimeoutMs: 60000,
        outboxRelayMs,
      };
      const script = path.join(__dirname, 'support', 'cellProcess.ts');
      // node itself runs the subgraph (tsx as a loader), so SIGKILL reaches the process that serves.
      const proc = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
        cwd: path.join(__dirname, '../../..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = proc;
      return new Promise((resolve, reject) => {
        let out = '';
        proc.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const ready = /READY (\S+)/.exec(out);
          if (ready) resolve(ready[1]);
        });
        proc.once('exit', (code) => reject(new Error(`the cell process exited (${code}) before it was ready`)));
      });
    }

    async function kill() {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGKILL');
      await exited;
      child = null;
    }

    it('leaves the instance with its message in the outbox; restarted, the cell delivers it once (ACTIVE), and fails a refused one in ERROR', async () => {
      const url = await startChild('buildorphans-child', 3600000);
      const warm = randomUUID();
      expect((await build(url, warm, 'compute1')).errors).toBeUndefined();

      const uuid = randomUUID();
      const refused = randomUUID();
      crashProxy.hold('toBroker');
      const inFlight = Promise.all([
        build(url, uuid, 'compute1').catch(() => null),
        build(url, refused, 'ghost').catch(() => null),
      ]);
      const pending = await waitFor('both builds to be committed', async () => {
        const rows = await cell.db.computeOutbox.findMany({ where: { instanceUuid: { in: [uuid, refused] } } });
        return rows.length === 2 ? rows : null;
      });
      await kill();
      await inFlight;
      crashProxy.release();

      // What the dead process left: the instances in BUILD, their create actions, their messages not yet sent.
      for (const u of [uuid, refused]) {
        expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid: u } })).toMatchObject({
          vmState: 'building',
          taskState: 'scheduling',
        });
        expect(
          await cell.db.instanceAction.count({ where: { instanceUuid: u, action: 'create', requestId: `req-${u}` } }),
        ).toBe(1);
      }
      expect(settledFor(`req-${uuid}`)).toEqual([]);

      // The dead writer's lease (2 min here) runs out: set back rather than waited for.
      await cell.db.computeOutbox.updateMany({
        where: { id: { in: pending.map((p) => p.id) } },
        data: { claimedUntil: new Date(Date.now() - 1000) },
      });
      // Restarted, the cell subgraph's own relay (at start, then every 200 ms) takes the rows over.
      await startChild('buildorphans-child-2', 200);
      await waitFor(
        'the restarted cell to relay both builds',
        async () => (await cell.db.computeOutbox.count({ where: { instanceUuid: { in: [uuid, refused] } } })) === 0,
      );
      await waitFor('the agent to build the relayed one', async () =>
        settledFor(`req-${uuid}`).some((s) => s.kind === 'applied'),
      );
      await kill();

      expect(await cell.db.instance.findUniqueOrThrow({ where: { uuid } })).toMatchObject({
        vmState: 'active',
        taskState: null,
        host: 'compute1',
      });
      const action = await cell.db.instanceAction.findFirstOrThrow({
        where: { instanceUuid: uuid },
        include: { events: true },
      });
      expect(action.events).toEqual([
        expect.objectContaining({ event: 'compute_build_and_run_instance', result: 'Success' }),
      ]);

      // The host refused the other: a build failure as Nova's, not an undo.
      const failed = await cell.db.instance.findUniqueOrThrow({ where: { uuid: refused } });
      expect(failed).toMatchObject({ vmState: 'error', taskState: null });
      expect(
        await cell.db.instanceFault.findMany({
          where: { instanceUuid: refused },
          select: { code: true, message: true, host: true },
        }),
      ).toEqual([
        {
          code: 500,
          message: `Build of instance ${refused} aborted: compute host ghost is not consuming`,
          host: 'ghost',
        },
      ]);
      expect(await cell.db.instanceAction.findFirstOrThrow({ where: { instanceUuid: refused } })).toMatchObject({
        action: 'create',
        message: 'Error',
        finishTime: expect.any(Date),
      });

      // Nothing is left to relay, and the agent applied the build exactly once. Delivery is at
      // least once: the dead process's held publish may still arrive beside the relay's, and the
      // agent then drops it as a duplicate by its request id.
      const relay = {
        queue: createCellQueue(vhost.url, { logger: silentLogger(), timeoutMs: 2000 }),
        logger: silentLogger(),
        ...withoutNotifications(cell.db),
      };
      try {
        expect(await relayOutbox(relay, { leaseMs: 20000 })).toEqual({ published: 0, withdrawn: 0, kept: 0 });
      } finally {
        await relay.queue.close();
      }
      const deliveries = settledFor(`req-${uuid}`);
      expect(deliveries.filter((d) => d.kind === 'applied')).toHaveLength(1);
      expect(deliveries.filter((d) => d.kind !== 'applied').every((d) => d.kind === 'duplicate')).toBe(true);
    });
  });
});
