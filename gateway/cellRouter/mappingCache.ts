import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { GlobalClient, MappingInfo } from '../globalClient';

/** Counters the metrics endpoint and the benchmark read. */
export interface MappingCacheStats {
  hits: number;
  misses: number;
}

// The global subgraph's bound on one instanceMappings call.
const MAX_UUIDS_PER_CALL = 1000;

/**
 * Instance → cell look-ups shared by every request: an LRU with a TTL in front of the
 * global subgraph. Only mappings that name a cell are cached: an unscheduled instance
 * will get one soon, and a missing mapping may be created any moment.
 */
export class MappingCache {
  readonly stats: MappingCacheStats = { hits: 0, misses: 0 };
  private readonly lru: LRUCache<string, MappingInfo>;

  constructor(private readonly global: GlobalClient, options: { max: number; ttlMs: number }) {
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

  /** Forgets every mapping (a test or an operator after moving instances). */
  clear(): void {
    this.lru.clear();
  }

  private async load(uuids: readonly string[], requestId?: string): Promise<(MappingInfo | null)[]> {
    const missing = uuids.filter((uuid) => !this.lru.has(uuid));
    this.stats.hits += uuids.length - missing.length;
    this.stats.misses += missing.length;
    const uncached = new Map<string, MappingInfo>();
    if (missing.length) {
      for (const mapping of await this.global.mappingsByUuid([...new Set(missing)], requestId)) {
        if (mapping.cellUuid) this.lru.set(mapping.instanceUuid, mapping);
        else uncached.set(mapping.instanceUuid, mapping);
      }
    }
    return uuids.map((uuid) => this.lru.get(uuid) ?? uncached.get(uuid) ?? null);
  }
}
