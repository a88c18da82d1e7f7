import { Redis } from 'ioredis';
import pino from 'pino';
import { startOwnRedis, type OwnRedis } from '../../../bench/redisServer';
import type { GatewayConfig } from '../../../gateway/config';
import { startGateway, type RunningGateway } from '../../../gateway/server';
import { seedInstances } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';
import { waitFor } from '../cell/support/waitFor';

const INSTANCE = `query($uuid: ID!) { instance(uuid: $uuid) { uuid displayName projectId cell { name } } }`;
const PREFIX = 'cells:mapping:';

// Two gateway replicas sharing one Redis of the test's own (a child redis-server on a free
// port, killed and frozen for real), each with its LRU in front of it and a LISTEN
// connection on the API database. topo.gateway has neither: it is the answer without Redis.
describe('gateway replicas sharing an instance-mapping cache in Redis', () => {
  let topo: Topology;
  let redis: OwnRedis;
  let peek: Redis;
  let a: RunningGateway;
  let b: RunningGateway;
  let admin: string;
  const logs: { level: number; msg: string }[] = [];
  let fresh: string[] = [];

  const config = (): GatewayConfig => ({
    ...topo.gatewayConfig,
    mappingNotifyUrl: topo.apiDb.url,
    mappingCacheRedis: { url: redis.url, timeoutMs: 50, prefix: PREFIX, retryAfterMs: 200 },
  });
  const ask = async (gateway: RunningGateway, uuid: string) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: INSTANCE, variables: { uuid } }),
    });
    return (await response.json()) as any;
  };
  const withoutRedis = (uuid: string) => ask(topo.gateway, uuid);
  // What Redis holds for `uuid` (null while it is down: the test's own client reconnects too).
  const stored = (uuid: string) => peek.get(PREFIX + uuid).catch(() => null);
  const shared = (gateway: RunningGateway) => gateway.mappingCache.shared!.stats;
  // An instance neither replica has looked up (so its look-up passes Redis).
  const unseen = () => fresh.shift()!;
  const metric = async (gateway: RunningGateway, name: string) =>
    Number((await gateway.metrics.registry.metrics()).match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);

  beforeAll(async () => {
    redis = await startOwnRedis();
    peek = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    peek.on('error', () => undefined);
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    a = await startGateway(config(), logger);
    b = await startGateway(config(), logger);
    for (const g of [a, b]) await waitFor('a replica to listen', async () => g.notifications!.phase() === 'listening');
    await waitFor(
      'both replicas to reach Redis',
      async () => a.mappingCache.shared!.up() && b.mappingCache.shared!.up(),
    );
    admin = await topo.token('admin', { admin: true });
    fresh = (await seedInstances(topo.cells[0], topo.api, { count: 40, projects: ['p-shared'] })).map((i) => i.uuid);
  }, 120000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await topo?.stop();
    peek?.disconnect();
    await redis?.stop();
  });

  it('serves a fresh replica its first look-up from Redis, as the other replica cached it', async () => {
    const uuid = unseen();
    const fromA = await ask(a, uuid);
    expect(fromA.data.instance).toMatchObject({ uuid, cell: { name: 'cell1' } });
    expect(fromA).toEqual(await withoutRedis(uuid));
    await waitFor('the mapping in Redis', async () => (await stored(uuid)) !== null, 5000);
    expect(JSON.parse((await stored(uuid))!)).toMatchObject({ instanceUuid: uuid, projectId: 'p-shared' });

    // `c` starts now: its LRU is empty, and its first look-up never reaches the global subgraph.
    const c = await startGateway(config());
    try {
      await waitFor('c to reach Redis', async () => c.mappingCache.shared!.up());
      const routerGlobal = c.global.requests;
      expect(await ask(c, uuid)).toEqual(fromA);
      expect(shared(c).hits).toBe(1);
      expect(c.mappingCache.stats.misses).toBe(0);
      expect(c.global.requests).toBe(routerGlobal);
      expect(await metric(c, 'cells_mapping_cache_redis_hits_total')).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('forgets a moved or deleted mapping in Redis and in both replicas when the change commits', async () => {
    const moved = unseen();
    const deleted = unseen();
    for (const uuid of [moved, deleted])
      for (const g of [a, b]) expect((await ask(g, uuid)).data.instance.cell.name).toBe('cell1');
    for (const uuid of [moved, deleted])
      await waitFor('the mapping in Redis', async () => (await stored(uuid))?.startsWith('{'), 5000);
    const told = [a.notifications!.stats.instance, b.notifications!.stats.instance];

    // Through the API database, as the CLI and the global subgraph change mappings: the
    // moved one now names cell2 (which does not hold the row), the other is gone. A cache
    // that kept either would still answer from cell1.
    const cell2 = await topo.api.cellMapping.findUniqueOrThrow({ where: { uuid: topo.cells[1].uuid } });
    await topo.api.instanceMapping.update({ where: { instanceUuid: moved }, data: { cellId: cell2.id } });
    await topo.api.instanceMapping.delete({ where: { instanceUuid: deleted } });
    await waitFor(
      'both replicas to be told',
      async () => a.notifications!.stats.instance >= told[0] + 2 && b.notifications!.stats.instance >= told[1] + 2,
      10000,
    );
    for (const uuid of [moved, deleted]) {
      await waitFor('the Redis entry to be replaced', async () => (await stored(uuid)) === '-', 5000);
      const expected = await withoutRedis(uuid);
      expect(expected.data?.instance ?? null).toBeNull();
      for (const g of [a, b]) expect(await ask(g, uuid)).toEqual(expected);
    }
    // A look-up that read the old mapping before the change cannot write it back meanwhile.
    await a.mappingCache.shared!.put([
      {
        instanceUuid: moved,
        projectId: 'p-shared',
        userId: null,
        queuedForDelete: false,
        cellUuid: topo.cells[0].uuid,
      },
    ]);
    expect(await stored(moved)).toBe('-');
  });

  it('does not count a Redis that answered in time as failed while the gateway was busy past the deadline', async () => {
    const store = a.mappingCache.shared!;
    await waitFor('a to use Redis', async () => store.up(), 10000);
    const before = { ...store.stats };
    const asked = store.get(['00000000-0000-0000-0000-00000000abcd']);
    // The event loop is held past the 50 ms deadline; Redis (another process) answers meanwhile.
    const until = Date.now() + 200;
    while (Date.now() < until);
    expect((await asked).size).toBe(0);
    expect(store.stats).toEqual({ ...before, misses: before.misses + 1 });
  });

  it('answers from the global subgraph while Redis is killed and refusing, and uses Redis again once it is back', async () => {
    await redis.kill();
    const fallbacks = shared(a).fallbacks;
    for (const uuid of [unseen(), unseen()]) {
      const answer = await ask(a, uuid);
      expect(answer.data.instance.uuid).toBe(uuid);
      expect(answer).toEqual(await withoutRedis(uuid));
    }
    expect(shared(a).fallbacks).toBeGreaterThan(fallbacks);
    expect(await metric(a, 'cells_mapping_cache_redis_up')).toBe(0);
    expect(await metric(a, 'cells_mapping_cache_redis_fallbacks_total')).toBe(shared(a).fallbacks);
    expect(logs.some((l) => l.level === 40 && /Redis failed/.test(l.msg))).toBe(true);

    await redis.start();
    await waitFor('a to reconnect', async () => a.mappingCache.shared!.up(), 10000);
    const uuid = unseen();
    const seen = shared(a).hits + shared(a).misses;
    expect(await ask(a, uuid)).toEqual(await withoutRedis(uuid));
    expect(shared(a).hits + shared(a).misses).toBe(seen + 1);
    await waitFor('the mapping in Redis again', async () => (await stored(uuid)) !== null, 5000);
    expect(logs.some((l) => l.level === 30 && /Redis answers again/.test(l.msg))).toBe(true);
  }, 60000);

  it('answers within its deadline while Redis is frozen, and uses Redis again once it resumes', async () => {
    await waitFor('b to reach Redis', async () => b.mappingCache.shared!.up(), 10000);
    redis.freeze();
    try {
      const fallbacks = shared(b).fallbacks;
      for (const uuid of [unseen(), unseen()]) expect(await ask(b, uuid)).toEqual(await withoutRedis(uuid));
      expect(shared(b).fallbacks).toBeGreaterThan(fallbacks);
    } finally {
      redis.resume();
    }
    // Left alone for retryAfterMs after the failure, then tried again: a look-up reaches Redis.
    for (let tries = 1; ; tries++) {
      const uuid = unseen();
      const seen = shared(b).hits + shared(b).misses;
      expect(await ask(b, uuid)).toEqual(await withoutRedis(uuid));
      if (shared(b).hits + shared(b).misses > seen) break;
      if (tries === 20) throw new Error('no look-up reached Redis after it resumed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await metric(b, 'cells_mapping_cache_redis_up')).toBe(1);
  }, 60000);
});
