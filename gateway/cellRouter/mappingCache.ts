import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { fail, succeed } from '../../domain/outcome';
import {
  globalFailure,
  GlobalUnavailableError,
  type GlobalClient,
  type GlobalOutcome,
  type MappingInfo,
} from '../globalClient';
import type { RedisMappings } from './redisMappings';

/** Counters the metrics endpoint and the benchmark read. */
export interface MappingCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped because their cell was deleted, re-pointed or is not known. */
  evicted: number;
}

export interface MappingCacheOptions {
  max: number;
  ttlMs: number;
  /** Whether the router still knows a cell; an entry naming one it does not is looked up again. */
  knowsCell?: (cellUuid: string) => boolean;
  /**
   * The replicas' shared cache (CELLS_MAPPING_CACHE_REDIS_URL), asked for what the local
   * LRU does not hold, and filled with what the global subgraph answers. Unset: the LRU only.
   */
  shared?: RedisMappings;
  /**
   * With `shared`: `lru+redis` keeps the per-replica LRU in front of Redis (the design
   * kept, see README "Gateway replicas"); `redis` asks Redis every time (measured against it).
   */
  layers?: MappingCacheLayers;
}

/** Which caches a look-up passes before the global subgraph. */
export type MappingCacheLayers = 'lru+redis' | 'redis';

// The global subgraph's bound on one instanceMappings call.
const MAX_UUIDS_PER_CALL = 1000;

/**
 * Instance → cell look-ups shared by every request: an LRU with a TTL in front of the
 * global subgraph, and optionally Redis between them, shared by the replicas. Only
 * mappings that name a cell are cached: an unscheduled instance will get one soon, and
 * a missing mapping may be created any moment. An entry never outlives its cell: the
 * directory drops a deleted or re-pointed cell's entries (`forgetCell`), and an entry
 * naming a cell the directory does not know is a miss (in Redis too, where it is left
 * to its TTL: another replica may know a cell this one has not read yet). A mapping
 * forgotten while a look-up of it was in flight is not cached from that look-up: the
 * global subgraph may have read it before the change.
 */
export class MappingCache {
  readonly stats: MappingCacheStats = { hits: 0, misses: 0, evicted: 0 };
  private readonly lru: LRUCache<string, MappingInfo>;
  /** Whether look-ups pass the local LRU (always, unless `layers` is `redis`). */
  private readonly local: boolean;
  /**
   * What was forgotten while look-ups were in flight, so that an answer read before a
   * change is not cached after it: a counter bumped by every forget, the count at which
   * each uuid was last forgotten (kept only while a look-up is in flight), and the count
   * at the last forgetCell/clear, which covers every uuid.
   */
  private forgets = 0;
  private readonly forgottenAt = new Map<string, number>();
  private forgotAllAt = 0;
  private inFlight = 0;

  constructor(
    private readonly global: GlobalClient,
    private readonly options: MappingCacheOptions,
  ) {
    this.lru = new LRUCache({ max: options.max, ttl: options.ttlMs });
    this.local = !options.shared || options.layers !== 'redis';
  }

  /** The shared cache in Redis, when one is configured. */
  get shared(): RedisMappings | undefined {
    return this.options.shared;
  }

  /** A per-request loader: one batched global call per tick for the uuids not cached. */
  loader(requestId?: string): DataLoader<string, MappingInfo | null> {
    return new DataLoader((uuids) => this.load(uuids, requestId), { maxBatchSize: MAX_UUIDS_PER_CALL });
  }

  /** Forgets a mapping that changed or went (a notification), here and in Redis. */
  async forget(uuid: string): Promise<void> {
    this.lru.delete(uuid);
    if (this.inFlight) this.forgottenAt.set(uuid, ++this.forgets);
    await this.options.shared?.forget(uuid);
  }

  /** Forgets every mapping that names `cellUuid` (the cell was deleted or re-pointed). */
  forgetCell(cellUuid: string): void {
    const stale: string[] = [];
    for (const [uuid, mapping] of this.lru.entries()) if (mapping.cellUuid === cellUuid) stale.push(uuid);
    for (const uuid of stale) this.lru.delete(uuid);
    this.stats.evicted += stale.length;
    this.forgotAllAt = ++this.forgets;
  }

  /**
   * Forgets every mapping (a resync after lost notifications, a test, an operator after
   * moving instances): the local LRU at once, Redis when the promise settles.
   */
  async clear(): Promise<void> {
    this.lru.clear();
    this.forgotAllAt = ++this.forgets;
    await this.options.shared?.clear();
  }

  private async load(uuids: readonly string[], requestId?: string): Promise<(MappingInfo | null | Error)[]> {
    this.inFlight++;
    try {
      return await this.lookUp(uuids, this.forgets, requestId);
    } finally {
      if (--this.inFlight === 0) this.forgottenAt.clear();
    }
  }

  // Whether `uuid` was forgotten after a look-up that began at `began` (its answer may predate the change).
  private forgotSince(uuid: string, began: number): boolean {
    return this.forgotAllAt > began || (this.forgottenAt.get(uuid) ?? 0) > began;
  }

  private async lookUp(
    uuids: readonly string[],
    began: number,
    requestId?: string,
  ): Promise<(MappingInfo | null | Error)[]> {
    const known = new Map<string, MappingInfo>();
    let missing = [...new Set(uuids)];
    if (this.local) {
      for (const uuid of missing) {
        const mapping = this.cached(uuid);
        if (mapping) known.set(uuid, mapping);
      }
      missing = missing.filter((uuid) => !known.has(uuid));
      this.stats.hits += uuids.length - missing.length;
    }
    if (missing.length && this.options.shared) {
      for (const [uuid, mapping] of await this.options.shared.get(missing)) {
        if (!this.inKnownCell(mapping)) continue;
        known.set(uuid, mapping);
        if (this.local && !this.forgotSince(uuid, began)) this.lru.set(uuid, mapping);
      }
      missing = missing.filter((uuid) => !known.has(uuid));
    }
    this.stats.misses += missing.length;
    if (missing.length) {
      const found = await this.global.mappingsByUuid(missing, requestId);
      // DataLoader's own outcome: an Error per key (never cached), read back by loadMappings.
      if (!found.ok) return uuids.map(() => new GlobalUnavailableError(found.message, found.reason, found.detail));
      const cacheable: MappingInfo[] = [];
      for (const mapping of found.value) {
        known.set(mapping.instanceUuid, mapping);
        if (!mapping.cellUuid || this.forgotSince(mapping.instanceUuid, began)) continue;
        cacheable.push(mapping);
        if (this.local) this.lru.set(mapping.instanceUuid, mapping);
      }
      // Not awaited: the answer does not wait for Redis (a failed write is counted there).
      void this.options.shared?.put(cacheable);
    }
    return uuids.map((uuid) => known.get(uuid) ?? null);
  }

  private inKnownCell(mapping: MappingInfo): boolean {
    return !this.options.knowsCell || this.options.knowsCell(mapping.cellUuid!);
  }

  // A cached entry, unless its cell left the directory since it was cached.
  private cached(uuid: string): MappingInfo | undefined {
    const mapping = this.lru.get(uuid);
    if (!mapping || this.inKnownCell(mapping)) return mapping;
    this.lru.delete(uuid);
    this.stats.evicted++;
    return undefined;
  }
}

/**
 * The mappings of `uuids` (null where none) through a request's loader, as one outcome:
 * a look-up the global subgraph could not answer is a failure, never a rejection.
 */
export async function loadMappings(
  loader: DataLoader<string, MappingInfo | null>,
  uuids: readonly string[],
): Promise<GlobalOutcome<(MappingInfo | null)[]>> {
  const found = await loader.loadMany(uuids);
  const failed = found.find((m): m is Error => m instanceof Error);
  return failed ? fail(globalFailure(failed)) : succeed(found as (MappingInfo | null)[]);
}
