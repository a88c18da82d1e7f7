import { Prisma } from '../../../prisma/cell/generated/client';
import { startHeartbeat } from '../../../compute/heartbeat';
import { compareHostPositions, encodeHostCursor } from '../../../domain/hostOrder';
import { statusFromState } from '../../../domain/instanceStatus';
import { silentLogger } from '../../../infrastructure/logger';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, user } from './support/graphqlClient';
import { seedInstance } from './support/seed';

const SERVICES = `query($filter: ComputeServiceFilter, $first: Int, $after: String) {
  computeServices(filter: $filter, first: $first, after: $after) {
    edges { cursor node { uuid cellUuid host binary disabled disabledReason forcedDown lastSeenUp state } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellUuid status }
  }
}`;

const NODES = `query($filter: ComputeNodeFilter, $first: Int, $after: String) {
  computeNodes(filter: $filter, first: $first, after: $after) {
    edges { cursor node { uuid cellUuid host hypervisorHostname hypervisorType vcpus vcpusUsed memoryMb memoryMbUsed
      localGb localGbUsed runningVms } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const SUMMARY = `{ cellSummary { cellUuid cellName instancesByStatus { status count } hostsUp hostsDown
  capacity { vcpus vcpusUsed vcpusFree memoryMb memoryMbUsed memoryMbFree localGb localGbUsed localGbFree } } }`;

const DOWN_TIME_S = 30;

/** How each seeded service last reported, relative to the database's now. */
type Report = { kind: 'ago'; seconds: number } | { kind: 'never'; createdSecondsAgo: number } | { kind: 'forced' };

interface ServiceSeed {
  host: string | null;
  binary: string;
  report: Report;
  disabled?: boolean;
  expected: 'UP' | 'DOWN';
}

// Hosts chosen so that byte order differs from a case-folding order; two services share a host.
const SEEDS: ServiceSeed[] = [
  { host: 'compute-b', binary: 'nova-compute', report: { kind: 'ago', seconds: 5 }, expected: 'UP' },
  { host: 'Compute-Z', binary: 'nova-compute', report: { kind: 'ago', seconds: 120 }, expected: 'DOWN' },
  { host: 'compute-a', binary: 'nova-compute', report: { kind: 'ago', seconds: -120 }, expected: 'DOWN' },
  { host: 'compute-c', binary: 'nova-compute', report: { kind: 'forced' }, expected: 'DOWN' },
  { host: 'compute-d', binary: 'nova-compute', report: { kind: 'never', createdSecondsAgo: 3600 }, expected: 'DOWN' },
  { host: 'compute-e', binary: 'nova-compute', report: { kind: 'never', createdSecondsAgo: 1 }, expected: 'UP' },
  {
    host: 'compute-f',
    binary: 'nova-compute',
    report: { kind: 'ago', seconds: DOWN_TIME_S - 10 },
    disabled: true,
    expected: 'UP',
  },
  { host: 'compute-b', binary: 'nova-conductor', report: { kind: 'ago', seconds: 1 }, expected: 'UP' },
  { host: null, binary: 'nova-scheduler', report: { kind: 'ago', seconds: 1 }, expected: 'UP' },
  ...Array.from({ length: 8 }, (_, i) => ({
    host: `web-${i}`,
    binary: 'nova-compute',
    report: { kind: 'ago', seconds: i % 2 === 0 ? 2 : 300 } as Report,
    expected: (i % 2 === 0 ? 'UP' : 'DOWN') as 'UP' | 'DOWN',
  })),
];

async function seedService(cell: CellFixture, seed: ServiceSeed, index: number): Promise<number> {
  const row = await cell.db.service.create({
    data: {
      uuid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      host: seed.host,
      binary: seed.binary,
      topic: `${seed.binary}-${index}`,
      disabled: seed.disabled ?? false,
      disabledReason: seed.disabled ? 'maintenance' : null,
      forcedDown: seed.report.kind === 'forced',
    },
  });
  const report = seed.report;
  switch (report.kind) {
    case 'ago':
      await cell.db.$executeRaw(
        Prisma.sql`UPDATE services SET last_seen_up = (now() AT TIME ZONE 'UTC') - make_interval(secs => ${report.seconds})
          WHERE id = ${row.id}`,
      );
      break;
    case 'never':
      await cell.db.$executeRaw(
        Prisma.sql`UPDATE services SET last_seen_up = NULL,
          created_at = (now() AT TIME ZONE 'UTC') - make_interval(secs => ${report.createdSecondsAgo}) WHERE id = ${row.id}`,
      );
      break;
    case 'forced':
      await cell.db.$executeRaw(
        Prisma.sql`UPDATE services SET last_seen_up = (now() AT TIME ZONE 'UTC') WHERE id = ${row.id}`,
      );
      break;
    default: {
      const never: never = report;
      throw new Error(`unknown report ${JSON.stringify(never)}`);
    }
  }
  return row.id;
}

async function walk(cell: CellFixture, query: string, field: string, first: number, filter?: object) {
  const seen: Record<string, any>[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const answer: any = await gql(cell.subgraph.url, query, { first, after, filter }, admin());
    expect(answer.errors).toBeUndefined();
    const connection = answer.data[field];
    seen.push(...connection.edges.map((edge: any) => edge.node));
    if (!connection.pageInfo.hasNextPage) return { seen, pages: pages + 1 };
    after = connection.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('the cell host listings', () => {
  let cell: CellFixture;

  beforeAll(async () => {
    cell = await startCellFixture('hosts', { serviceDownTimeS: DOWN_TIME_S });
    for (const [i, seed] of SEEDS.entries()) await seedService(cell, seed, i);
    // A deleted service (Nova keeps the row with deleted = id) is never listed.
    await cell.db.service.create({
      data: { host: 'compute-b', binary: 'nova-compute', topic: 'gone', deleted: 999 },
    });
    const hosts = [...new Set(SEEDS.filter((s) => s.binary === 'nova-compute').map((s) => s.host as string))];
    for (const [i, host] of hosts.entries()) {
      // Two nodes on one host (as Ironic has), so the id decides between them.
      for (const node of host === 'compute-b' ? [`${host}-n2`, `${host}-n1`] : [host]) {
        await cell.db.computeNode.create({
          data: {
            host,
            hypervisorHostname: node,
            hypervisorType: 'fake',
            hypervisorVersion: 1,
            cpuInfo: '{}',
            vcpus: 16 + i,
            vcpusUsed: i,
            memoryMb: 32768,
            memoryMbUsed: 512 * i,
            localGb: 500,
            localGbUsed: 10 * i,
            runningVms: i,
          },
        });
      }
    }
    await cell.db.computeNode.create({
      data: {
        host: 'retired',
        hypervisorType: 'fake',
        hypervisorVersion: 1,
        cpuInfo: '{}',
        vcpus: 99,
        memoryMb: 99,
        localGb: 99,
        deleted: 1,
      },
    });
  });
  afterAll(() => cell.close());

  describe('computeServices', () => {
    it.each([1, 4, 17, 1000])('reaches every live service exactly once, by host then id, %i a page', async (first) => {
      const { seen, pages } = await walk(cell, SERVICES, 'computeServices', first);
      const rows = await cell.db.service.findMany({ where: { deleted: 0 } });
      expect(seen).toHaveLength(SEEDS.length);
      expect(pages).toBe(Math.max(1, Math.ceil(rows.length / first)));
      const expected = [...rows].sort(compareHostPositions).map((row) => row.uuid);
      expect(seen.map((node) => node.uuid)).toEqual(expected);
      expect(seen[seen.length - 1].host).toBeNull();
    });

    it("says UP or DOWN by Nova's rule: forced down, or a report further than the down time from now either way", async () => {
      const { seen } = await walk(cell, SERVICES, 'computeServices', 1000);
      const state = new Map(seen.map((node) => [node.uuid, node.state]));
      SEEDS.forEach((seed, i) => {
        expect([seed.host, seed.report, state.get(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)]).toEqual([
          seed.host,
          seed.report,
          seed.expected,
        ]);
      });
    });

    it('shows what an operator needs of each service', async () => {
      const { seen } = await walk(cell, SERVICES, 'computeServices', 1000, { host: 'compute-f' });
      expect(seen).toEqual([
        expect.objectContaining({
          cellUuid: cell.cellUuid,
          host: 'compute-f',
          binary: 'nova-compute',
          disabled: true,
          disabledReason: 'maintenance',
          forcedDown: false,
          state: 'UP',
        }),
      ]);
      expect(Date.parse(seen[0].lastSeenUp)).toBeGreaterThan(Date.parse('2020-01-01T00:00:00.000Z'));
    });

    it('filters by state, host, binary and disabled, paging the filtered list', async () => {
      const down = await walk(cell, SERVICES, 'computeServices', 2, { state: 'DOWN' });
      expect(down.seen.map((n) => n.host).sort()).toEqual(
        SEEDS.filter((s) => s.expected === 'DOWN')
          .map((s) => s.host)
          .sort(),
      );
      const up = await walk(cell, SERVICES, 'computeServices', 3, { state: 'UP', binary: 'nova-compute' });
      expect(up.seen.map((n) => n.host).sort()).toEqual(
        SEEDS.filter((s) => s.expected === 'UP' && s.binary === 'nova-compute')
          .map((s) => s.host)
          .sort(),
      );
      const onHost = await walk(cell, SERVICES, 'computeServices', 1, { host: 'compute-b' });
      expect(onHost.seen.map((n) => n.binary).sort()).toEqual(['nova-compute', 'nova-conductor']);
      const disabled = await walk(cell, SERVICES, 'computeServices', 10, { disabled: true });
      expect(disabled.seen.map((n) => n.host)).toEqual(['compute-f']);
      const unknown = await walk(cell, SERVICES, 'computeServices', 10, { state: 'UNKNOWN' });
      expect(unknown.seen).toEqual([]);
    });

    it("answers complete, with the cell's own OK row", async () => {
      const answer: any = await gql(cell.subgraph.url, SERVICES, { first: 1 }, admin());
      expect(answer.data.computeServices).toMatchObject({
        complete: true,
        cells: [{ cellUuid: cell.cellUuid, status: 'OK' }],
      });
    });

    it("turns a DOWN host UP once the agent's heartbeat reports, on the database's clock", async () => {
      const before = await walk(cell, SERVICES, 'computeServices', 10, { host: 'Compute-Z' });
      expect(before.seen.map((n) => n.state)).toEqual(['DOWN']);
      const stop = startHeartbeat(cell.db, ['Compute-Z'], 0, silentLogger());
      try {
        const after = await waitForState(cell, 'Compute-Z', 'UP');
        expect(after).toBe('UP');
      } finally {
        stop();
        await cell.db.$executeRaw(
          Prisma.sql`UPDATE services SET last_seen_up = (now() AT TIME ZONE 'UTC') - interval '120 seconds'
            WHERE host = 'Compute-Z'`,
        );
      }
    });
  });

  describe("the compute agent's heartbeat", () => {
    it('reports at start, then every interval, until stopped', async () => {
      const count = async () =>
        (await cell.db.service.findFirstOrThrow({ where: { host: 'web-0', binary: 'nova-compute' } })).reportCount;
      const before = await count();
      const stop = startHeartbeat(cell.db, ['web-0'], 100, silentLogger());
      try {
        await waitForCount(count, before + 1, 1000); // the first report does not wait for the interval
        await waitForCount(count, before + 4, 5000);
      } finally {
        stop();
      }
      await new Promise((resolve) => setTimeout(resolve, 150)); // a report already sent may still land
      const stopped = await count();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await count()).toBe(stopped);
    });
  });

  describe('computeNodes', () => {
    it.each([1, 3, 1000])('reaches every live node exactly once, by host then id, %i a page', async (first) => {
      const { seen, pages } = await walk(cell, NODES, 'computeNodes', first);
      const rows = await cell.db.computeNode.findMany({ where: { deleted: 0 } });
      expect(pages).toBe(Math.ceil(rows.length / first));
      const expected = [...rows].sort(compareHostPositions);
      expect(seen.map((node) => node.hypervisorHostname)).toEqual(expected.map((row) => row.hypervisorHostname));
      expect(seen.map((node) => node.hypervisorHostname)).not.toContain('retired');
      // compute-b's first node by id is the one created first (-n2).
      expect(seen.filter((n) => n.host === 'compute-b').map((n) => n.hypervisorHostname)).toEqual([
        'compute-b-n2',
        'compute-b-n1',
      ]);
    });

    it('shows capacity and use, filtered by host', async () => {
      const { seen } = await walk(cell, NODES, 'computeNodes', 10, { host: 'compute-a' });
      const row = await cell.db.computeNode.findFirstOrThrow({ where: { host: 'compute-a' } });
      expect(seen).toEqual([
        {
          uuid: row.uuid,
          cellUuid: cell.cellUuid,
          host: 'compute-a',
          hypervisorHostname: 'compute-a',
          hypervisorType: 'fake',
          vcpus: row.vcpus,
          vcpusUsed: row.vcpusUsed,
          memoryMb: row.memoryMb,
          memoryMbUsed: row.memoryMbUsed,
          localGb: row.localGb,
          localGbUsed: row.localGbUsed,
          runningVms: row.runningVms,
        },
      ]);
    });
  });

  describe('cellSummary', () => {
    it('answers cellSummaries asked directly with its own row', async () => {
      const answer: any = await gql(
        cell.subgraph.url,
        '{ cellSummaries { cellUuid status message summary { cellUuid hostsUp hostsDown } } cellSummary { hostsUp hostsDown } }',
        {},
        admin(),
      );
      expect(answer.errors).toBeUndefined();
      const { hostsUp, hostsDown } = answer.data.cellSummary;
      expect(answer.data.cellSummaries).toEqual([
        {
          cellUuid: cell.cellUuid,
          status: 'OK',
          message: null,
          summary: { cellUuid: cell.cellUuid, hostsUp, hostsDown },
        },
      ]);
    });

    it('counts instances by status, hosts up and down, and capacity as the rows say', async () => {
      const states: [string, string | null][] = [
        ['active', null],
        ['active', null],
        ['active', 'rebooting'],
        ['stopped', null],
        ['building', 'spawning'],
        ['error', null],
      ];
      for (const [vmState, taskState] of states) await seedInstance(cell.db, { vmState, taskState });
      await seedInstance(cell.db, { deleted: true });
      const answer: any = await gql(cell.subgraph.url, SUMMARY, {}, admin());
      expect(answer.errors).toBeUndefined();
      const summary = answer.data.cellSummary;

      const live = await cell.db.instance.findMany({ where: { deleted: 0 } });
      const counts = new Map<string, number>();
      for (const i of live)
        counts.set(
          statusFromState(i.vmState, i.taskState),
          (counts.get(statusFromState(i.vmState, i.taskState)) ?? 0) + 1,
        );
      expect(summary.instancesByStatus).toEqual(
        [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([status, count]) => ({ status, count })),
      );
      expect(summary.instancesByStatus).toEqual(
        expect.arrayContaining([
          { status: 'ACTIVE', count: 2 },
          { status: 'REBOOT', count: 1 },
        ]),
      );

      const computes = (await walk(cell, SERVICES, 'computeServices', 1000, { binary: 'nova-compute' })).seen;
      expect(summary.hostsUp).toBe(computes.filter((s) => s.state === 'UP').length);
      expect(summary.hostsDown).toBe(computes.filter((s) => s.state === 'DOWN').length);
      expect(summary.hostsUp).toBeGreaterThan(0);
      expect(summary.hostsDown).toBeGreaterThan(0);

      const nodes = await cell.db.computeNode.findMany({ where: { deleted: 0 } });
      const sum = (pick: (n: (typeof nodes)[number]) => number) => nodes.reduce((t, n) => t + pick(n), 0);
      expect(summary.capacity).toEqual({
        vcpus: sum((n) => n.vcpus),
        vcpusUsed: sum((n) => n.vcpusUsed),
        vcpusFree: sum((n) => n.vcpus - n.vcpusUsed),
        memoryMb: sum((n) => n.memoryMb),
        memoryMbUsed: sum((n) => n.memoryMbUsed),
        memoryMbFree: sum((n) => n.memoryMb - n.memoryMbUsed),
        localGb: sum((n) => n.localGb),
        localGbUsed: sum((n) => n.localGbUsed),
        localGbFree: sum((n) => n.localGb - n.localGbUsed),
      });
      expect(summary).toMatchObject({ cellUuid: cell.cellUuid, cellName: 'hosts' });
    });
  });

  describe('refusals', () => {
    it.each([
      ['computeServices', SERVICES],
      ['computeNodes', NODES],
      ['cellSummary', SUMMARY],
      ['cellSummaries', '{ cellSummaries { status } }'],
    ])('refuses %s to a non-admin as FORBIDDEN, as Nova does', async (field, query) => {
      const answer: any = await gql(cell.subgraph.url, query, {}, user('p1'));
      expect(answer.data).toBeNull();
      expect(answer.errors).toEqual([
        expect.objectContaining({
          message: `${field} is for admins only`,
          extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
        }),
      ]);
    });

    it.each([
      ['computeServices', SERVICES],
      ['computeNodes', NODES],
    ])('%s refuses a bad first or cursor, naming the argument and the value', async (_field, query) => {
      for (const first of [-1, 1001]) {
        const answer: any = await gql(cell.subgraph.url, query, { first }, admin());
        expect(answer.errors?.[0]).toMatchObject({
          message: `first: expected an integer from 0 to 1000, got ${first}`,
          extensions: { code: 'BAD_USER_INPUT', field: 'first' },
        });
      }
      const garbage: any = await gql(cell.subgraph.url, query, { after: 'not-a-cursor' }, admin());
      expect(garbage.errors?.[0]).toMatchObject({
        message: 'after: expected a cursor from a previous page, got "not-a-cursor"',
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      });
    });

    it("refuses the other listing's cursor", async () => {
      const cursor = encodeHostCursor('computeNodes', { host: 'compute-a', id: 1 });
      const answer: any = await gql(cell.subgraph.url, SERVICES, { after: cursor }, admin());
      expect(answer.errors?.[0]).toMatchObject({
        message: 'after: cursor was made for sort [computeNodes:HOST:ASC], not [computeServices:HOST:ASC]',
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      });
    });
  });
});

async function waitForState(cell: CellFixture, host: string, state: string): Promise<string> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const { seen } = await walk(cell, SERVICES, 'computeServices', 10, { host });
    if (seen[0]?.state === state || Date.now() > deadline) return seen[0]?.state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForCount(count: () => Promise<number>, atLeast: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await count()) < atLeast) {
    if (Date.now() > deadline) throw new Error(`report_count did not reach ${atLeast} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
