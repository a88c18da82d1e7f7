import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitPhase } from './cellRouter/cellBreaker';
import type { MappingCacheStats } from './cellRouter/mappingCache';
import type { RedisMappings } from './cellRouter/redisMappings';
import { resultShapingCounts } from './resultShaping';

/** The circuit of every known cell, read when /metrics is scraped. */
export type CircuitStates = () => { cell: string; state: CircuitPhase }[];

const CIRCUIT_GAUGE: Record<CircuitPhase, number> = { closed: 0, open: 1, 'half-open': 2 };

/** The gateway's Prometheus metrics; one registry per gateway, so tests can run several. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly cellRequests: Counter<'cell'>;
  readonly cellFailures: Counter<'cell' | 'status'>;
  readonly cellLatency: Histogram<'cell' | 'status'>;
  readonly globalRequests: Counter;
  readonly cellSkipped: Counter<'cell'>;
  // Set once the live-event hub and the mapping listener exist (they start after the metrics).
  private eventStreams: () => { cell: string; live: boolean }[] = () => [];

  constructor(
    cacheStats: MappingCacheStats,
    globalRequestCount: () => number,
    circuits: CircuitStates = () => [],
    redis?: RedisMappings,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cells_gateway_' });
    if (redis) this.redisMetrics(redis);
    this.cellRequests = new Counter({
      name: 'cells_cell_requests_total',
      help: 'Requests from the gateway to each cell subgraph',
      labelNames: ['cell'],
      registers: [this.registry],
    });
    this.cellFailures = new Counter({
      name: 'cells_cell_failures_total',
      help: 'Cell requests that failed, by status (TIMEOUT, UNAVAILABLE, ERROR)',
      labelNames: ['cell', 'status'],
      registers: [this.registry],
    });
    this.cellLatency = new Histogram({
      name: 'cells_cell_request_duration_seconds',
      help: 'Latency of gateway requests to each cell subgraph',
      labelNames: ['cell', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    new Counter({
      name: 'cells_mapping_cache_hits_total',
      help: 'Instance mapping look-ups answered from the cache',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(cacheStats.hits);
      },
    });
    new Counter({
      name: 'cells_mapping_cache_misses_total',
      help: 'Instance mapping look-ups sent to the global subgraph',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(cacheStats.misses);
      },
    });
    new Counter({
      name: 'cells_gateway_result_shaping_total',
      help: "Answers shaped after the plan in this process: compiled, or by Apollo Gateway's own walk (an error or a made-up null to report, introspection, or CELLS_GATEWAY_RESULT_SHAPING=apollo)",
      labelNames: ['path'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ path: 'compiled' }, resultShapingCounts.compiled);
        this.inc({ path: 'apollo' }, resultShapingCounts.apollo);
      },
    });
    this.cellSkipped = new Counter({
      name: 'cells_cell_circuit_skipped_total',
      help: 'Requests not sent to a cell because its circuit was open',
      labelNames: ['cell'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'cells_cell_circuit_state',
      help: "Each cell's circuit: 0 closed, 1 open (requests skipped), 2 half-open (a probe in flight)",
      labelNames: ['cell'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { cell, state } of circuits()) this.set({ cell }, CIRCUIT_GAUGE[state]);
      },
    });
    const streams = () => this.eventStreams();
    new Gauge({
      name: 'cells_event_stream_up',
      help: "Each cell's live-event stream: 1 consumed, 0 interrupted (subscribers were told)",
      labelNames: ['cell'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { cell, live } of streams()) this.set({ cell }, live ? 1 : 0);
      },
    });
    this.globalRequests = new Counter({
      name: 'cells_global_router_requests_total',
      help: 'Requests the cell router made to the global subgraph',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(globalRequestCount());
      },
    });
  }

  // The shared mapping cache, when there is one: what it answered, and how often it was passed by.
  private redisMetrics(redis: RedisMappings): void {
    const counters = [
      [
        'cells_mapping_cache_redis_hits_total',
        'Instance mapping look-ups the local LRU missed and Redis answered',
        'hits',
      ],
      ['cells_mapping_cache_redis_misses_total', 'Instance mapping look-ups Redis did not hold', 'misses'],
      [
        'cells_mapping_cache_redis_fallbacks_total',
        'Redis calls not made or failed (down, refused, past the deadline): the global subgraph answered instead',
        'fallbacks',
      ],
    ] as const;
    for (const [name, help, stat] of counters)
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(redis.stats[stat]);
        },
      });
    new Gauge({
      name: 'cells_mapping_cache_redis_up',
      help: 'The shared mapping cache: 1 Redis answers, 0 look-ups go to the global subgraph (absent without Redis)',
      registers: [this.registry],
      collect() {
        this.set(redis.up() ? 1 : 0);
      },
    });
  }

  /** Reads the event streams, and the mapping listener where there is one, at each scrape. */
  watch(eventStreams: () => { cell: string; live: boolean }[], mappingListener?: () => boolean): void {
    this.eventStreams = eventStreams;
    if (!mappingListener) return;
    new Gauge({
      name: 'cells_mapping_notifications_up',
      help: 'The LISTEN connection for mapping changes: 1 listening, 0 lost (absent when off)',
      registers: [this.registry],
      collect() {
        this.set(mappingListener() ? 1 : 0);
      },
    });
  }

  /** The public flavors the gateway holds: how many, and where the planner's look-ups were answered. */
  watchFlavors(flavors: { readonly size: number; readonly stats: { held: number; read: number } }): void {
    new Counter({
      name: 'cells_flavor_lookups_total',
      help: "Distinct flavors of the planner's look-ups: source held (public flavors the gateway holds) or global (read from the global subgraph)",
      labelNames: ['source'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ source: 'held' }, flavors.stats.held);
        this.inc({ source: 'global' }, flavors.stats.read);
      },
    });
    new Gauge({
      name: 'cells_public_flavors_held',
      help: 'Public flavors the gateway holds (their fixed fields never change)',
      registers: [this.registry],
      collect() {
        this.set(flavors.size);
      },
    });
  }

  /** Records one request to a cell. */
  observeCell(cell: string, status: string, elapsedMs: number): void {
    this.cellRequests.inc({ cell });
    if (status !== 'OK') this.cellFailures.inc({ cell, status });
    this.cellLatency.observe({ cell, status }, elapsedMs / 1000);
  }

  /** Records a request skipped because the cell's circuit is open. */
  skipCell(cell: string): void {
    this.cellSkipped.inc({ cell });
  }
}
