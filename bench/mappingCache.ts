/**
 * `npm run bench:mapping-cache`: which instance-mapping cache gateway replicas should
 * use (issue 14). For each design — the per-replica LRU alone (`lru`), Redis alone
 * (`redis`), the LRU in front of Redis (`lru+redis`) — in alternating order per round:
 *
 * 1. gateway A starts; `instance-by-uuid` for N sampled instances (cold: nothing cached
 *    anywhere), then the same N again (warm);
 * 2. gateway B, a fresh replica, starts and asks for the same N (replica cold start):
 *    its hit rate is the share of look-ups that did not reach the global subgraph;
 * 3. the mapping look-up alone (the router's loader, no HTTP), cold on A, warm on A, and
 *    on B for instances only A had looked up.
 *
 * A first round, untimed, warms the process up. Redis is a redis-server of the bench's own (bench/redisServer.ts). JSON to stdout and
 * bench/results/<out>.json; progress on stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import type { MappingCacheLayers } from '../gateway/cellRouter/mappingCache';
import type { GatewayConfig } from '../gateway/config';
import type { RunningGateway } from '../gateway/server';
import { DEFAULTS } from '../infrastructure/configSchema';
import { bearer, expectData, post } from './client';
import { DEFAULT_CELL_TIMEOUT_MS, dropOwnDatabases, startFleet, type Fleet } from './fleet';
import { positiveInt } from './options';
import { readPoolBudget } from './poolBudget';
import { INSTANCE_BY_UUID } from './queries';
import { startOwnRedis, type OwnRedis } from './redisServer';
import { machineInfo } from './report';
import { fleetInstances } from './rows';
import { summarize } from './stats';

type Design = 'lru' | MappingCacheLayers;
const DESIGNS: Design[] = ['lru', 'redis', 'lru+redis'];
const PHASES = ['cold', 'warm', 'replicaColdStart'] as const;
type Phase = (typeof PHASES)[number];

interface Samples {
  request: Record<Phase, number[]>;
  lookup: Record<Phase, number[]>;
  replicaHitRates: number[];
  fallbacks: number;
}

const log = (message: string) =>
  process.stderr.write(`[bench:mapping-cache ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function parseOptions(argv: string[]) {
  const o = new Command('bench:mapping-cache')
    .option('--cells <n>', 'cell databases and subgraphs', positiveInt('--cells'), 3)
    .option('--instances <n>', 'instances per cell', positiveInt('--instances'), 2000)
    .option('--lookups <n>', 'instances sampled per design and round', positiveInt('--lookups'), 200)
    .option('--rounds <n>', 'rounds; each runs every design, in alternating order', positiveInt('--rounds'), 2)
    .option('--out <name>', 'result file name', 'mapping-cache')
    .exitOverride()
    .parse(argv)
    .opts<{ cells: number; instances: number; lookups: number; rounds: number; out: string }>();
  return { ...o, pgUrl: process.env.CELLS_PG_URL ?? DEFAULTS.pgUrl, redisTimeoutMs: 50 };
}
type Options = ReturnType<typeof parseOptions>;

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const report: Record<string, any> = {
    name: options.out,
    startedAt: new Date().toISOString(),
    machine: await machineInfo(options.pgUrl),
    config: options,
  };
  const cellRows = Array.from({ length: options.cells }, (_, i) => fleetInstances(i, options.cells, options.instances));
  const redis = await startOwnRedis();
  const peek = new Redis(redis.url);
  let fleet: Fleet | undefined;
  try {
    log(`setting up ${options.cells} cells x ${options.instances} instances; Redis on port ${redis.port}`);
    fleet = await startFleet({
      label: 'mc',
      cellRows,
      hosting: 'in-process',
      pgUrl: options.pgUrl,
      cellPoolMax: (await readPoolBudget(options.pgUrl, options.cells)).perCell,
    });
    const all = cellRows.flat().map((row) => row.uuid);
    const samples = Object.fromEntries(DESIGNS.map((d) => [d, emptySamples()])) as Record<Design, Samples>;
    // Round 0 is untimed: the first design measured would otherwise pay the process's JIT warm-up.
    for (let round = 0; round <= options.rounds; round++) {
      const order = round % 2 === 1 ? DESIGNS : [...DESIGNS].reverse();
      for (const design of order) {
        log(round === 0 ? `warm-up round: ${design}` : `round ${round}: ${design}`);
        await peek.flushall();
        const into = round === 0 ? emptySamples() : samples[design];
        await measureDesign(fleet, design, draw(all, options.lookups * 2 + 20), redis, options, into);
      }
    }
    report.designs = Object.fromEntries(DESIGNS.map((d) => [d, summarizeDesign(samples[d])]));
    report.p50VersusLru = ratios(report.designs);
  } finally {
    peek.disconnect();
    await fleet?.close();
    await redis.stop();
  }
  report.finishedAt = new Date().toISOString();
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${options.out}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${file}`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

async function measureDesign(
  fleet: Fleet,
  design: Design,
  uuids: string[],
  redis: OwnRedis,
  options: Options,
  out: Samples,
): Promise<void> {
  // 20 to warm each gateway's connections, N through HTTP, N for the look-up alone.
  const [warmUp, requests, lookups] = [
    uuids.slice(0, 20),
    uuids.slice(20, 20 + options.lookups),
    uuids.slice(20 + options.lookups),
  ];
  const overrides: Partial<GatewayConfig> =
    design === 'lru'
      ? {}
      : {
          mappingCacheRedis: {
            url: redis.url,
            timeoutMs: options.redisTimeoutMs,
            prefix: 'cells:mapping:',
            layers: design,
          },
        };
  const start = async () => {
    const gateway = await fleet.startGateway(DEFAULT_CELL_TIMEOUT_MS, overrides);
    if (gateway.mappingCache.shared)
      for (let i = 0; !gateway.mappingCache.shared.up(); i++) {
        if (i === 100) throw new Error('the gateway did not reach the bench Redis in 5 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    for (const uuid of warmUp) await ask(fleet, gateway, uuid);
    return gateway;
  };
  const a = await start();
  await a.mappingCache.clear();
  for (const uuid of requests) out.request.cold.push(await ask(fleet, a, uuid));
  for (const uuid of requests) out.request.warm.push(await ask(fleet, a, uuid));
  for (const uuid of lookups) out.lookup.cold.push(await lookUp(a, uuid));
  for (const uuid of lookups) out.lookup.warm.push(await lookUp(a, uuid));
  // Let A's writes to Redis (not awaited by the answers) land before the replica starts.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const b = await start();
  const globalLookups = b.mappingCache.stats.misses;
  for (const uuid of requests) out.request.replicaColdStart.push(await ask(fleet, b, uuid));
  out.replicaHitRates.push(1 - (b.mappingCache.stats.misses - globalLookups) / requests.length);
  for (const uuid of lookups) out.lookup.replicaColdStart.push(await lookUp(b, uuid));
  out.fallbacks += (a.mappingCache.shared?.stats.fallbacks ?? 0) + (b.mappingCache.shared?.stats.fallbacks ?? 0);
  await b.close();
  await a.close();
}

// One instance-by-uuid request, checked, in ms.
async function ask(fleet: Fleet, gateway: RunningGateway, uuid: string): Promise<number> {
  const answer = await post(gateway.url, bearer(fleet.adminToken), INSTANCE_BY_UUID, { uuid });
  const instance = expectData(answer, 'instance-by-uuid').instance;
  if (instance?.uuid !== uuid || !instance.cell?.name)
    throw new Error(`instance-by-uuid: expected ${uuid} with its cell, got ${JSON.stringify(instance).slice(0, 200)}`);
  return answer.ms;
}

// One mapping look-up through a request's loader (what the router does per request), in ms.
async function lookUp(gateway: RunningGateway, uuid: string): Promise<number> {
  const started = performance.now();
  const mapping = await gateway.mappingCache.loader().load(uuid);
  const ms = performance.now() - started;
  if (mapping?.instanceUuid !== uuid || !mapping.cellUuid)
    throw new Error(`look-up: expected the mapping of ${uuid}, got ${JSON.stringify(mapping)}`);
  return ms;
}

function emptySamples(): Samples {
  return {
    request: { cold: [], warm: [], replicaColdStart: [] },
    lookup: { cold: [], warm: [], replicaColdStart: [] },
    replicaHitRates: [],
    fallbacks: 0,
  };
}

function summarizeDesign(s: Samples) {
  const phases = (samples: Record<Phase, number[]>) =>
    Object.fromEntries(PHASES.map((phase) => [phase, summarize(samples[phase])]));
  // Look-ups take microseconds from the LRU: keep three decimals.
  const micro = (samples: number[]) => {
    const sorted = [...samples].sort((x, y) => x - y);
    const at = (p: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 1000) / 1000;
    return { runs: sorted.length, p50: at(50), p95: at(95) };
  };
  return {
    replicaColdStartHitRate: s.replicaHitRates,
    instanceByUuidMs: phases(s.request),
    mappingLookUpMs: Object.fromEntries(PHASES.map((phase) => [phase, micro(s.lookup[phase])])),
    redisFallbacks: s.fallbacks,
  };
}

function ratios(designs: Record<Design, ReturnType<typeof summarizeDesign>>) {
  const out: Record<string, Record<string, number>> = {};
  for (const design of DESIGNS.filter((d) => d !== 'lru'))
    out[design] = Object.fromEntries(
      PHASES.map((phase) => [
        `instance-by-uuid ${phase}`,
        Math.round((designs[design].instanceByUuidMs[phase].p50 / designs.lru.instanceByUuidMs[phase].p50) * 100) / 100,
      ]),
    );
  return out;
}

// `n` distinct uuids at random.
function draw(all: string[], n: number): string[] {
  const picked = new Set<string>();
  while (picked.size < Math.min(n, all.length)) picked.add(all[Math.floor(Math.random() * all.length)]);
  return [...picked];
}

main().then(
  () => process.exit(0),
  async (err) => {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    await dropOwnDatabases(parseOptions(process.argv).pgUrl).catch(() => []);
    process.exit(1);
  },
);
