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
}

// The global subgraph's bound on one instanceMappings call.
const MAX_UUIDS_PER_CALL = 1000;

/**
 * Instance → cell look-ups shared by every request: an LRU with a TTL in front of the
 * global subgraph. Only mappings that name a cell are cached: an unscheduled instance
 * will get one soon, and a missing mapping may be created any moment. An entry never
 * outlives its cell: the directory drops a deleted or re-pointed cell's entries
 * (`forgetCell`), and an entry naming a cell the directory does not know is a miss.
 */
export class MappingCache {
  readonly stats: MappingCacheStats = { hits: 0, misses: 0, evicted: 0 };
  private readonly lru: LRUCache<string, MappingInfo>;

  constructor(
    private readonly global: GlobalClient,
    private readonly options: MappingCacheOptions,
  ) {
    this.lru = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  /** A per-request loader: one batched global call per tick for the uuids not cached. */
  loader(requestId?: string): DataLoader<string, MappingInfo | null> {
    return new DataLoader((uuids) => this.load(uuids, requestId), { maxBatchSize: MAX_UUIDS_PER_CALL });
  }

  /** Forgets a mapping, e.g. after its cell said it does not hold the instance. */
  forget(uuid: string): void {
    this.lru.delete(uuid);
  }

  /** Forgets every mapping that names `cellUuid` (the cell was deleted or re-pointed). */
  forgetCell(cellUuid: string): void {
    const stale: string[] = [];
    for (const [uuid, mapping] of this.lru.entries()) if (mapping.cellUuid === cellUuid) stale.push(uuid);
    for (const uuid of stale) this.lru.delete(uuid);
    this.stats.evicted += stale.length;
  }

  /** Forgets every mapping (a test or an operator after moving instances). */
  clear(): void {
    this.lru.clear();
  }

  private async load(uuids: readonly string[], requestId?: string): Promise<(MappingInfo | null | Error)[]> {
    const missing = uuids.filter((uuid) => !this.cached(uuid));
    this.stats.hits += uuids.length - missing.length;
    this.stats.misses += missing.length;
    const uncached = new Map<string, MappingInfo>();
    if (missing.length) {
      const found = await this.global.mappingsByUuid([...new Set(missing)], requestId);
      // DataLoader's own outcome: an Error per key (never cached), read back by loadMappings.
      if (!found.ok) return uuids.map(() => new GlobalUnavailableError(found.message, found.reason, found.detail));
      for (const mapping of found.value) {
        if (mapping.cellUuid) this.lru.set(mapping.instanceUuid, mapping);
        else uncached.set(mapping.instanceUuid, mapping);
      }
    }
    return uuids.map((uuid) => this.lru.get(uuid) ?? uncached.get(uuid) ?? null);
  }

  // A cached entry, unless its cell left the directory since it was cached.
  private cached(uuid: string): MappingInfo | undefined {
    const mapping = this.lru.get(uuid);
    if (!mapping || !this.options.knowsCell || this.options.knowsCell(mapping.cellUuid!)) return mapping;
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
