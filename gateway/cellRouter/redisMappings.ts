import { Redis } from 'ioredis';
import type { Logger } from '../../infrastructure/logger';
import type { MappingInfo } from '../globalClient';

/** Where the replicas' shared mapping cache lives and how long the gateway waits for it. */
export interface RedisMappingsSettings {
  /** `redis://host:port/db` (CELLS_MAPPING_CACHE_REDIS_URL). */
  url: string;
  /** Deadline of one Redis command; past it the look-up goes to the global subgraph (CELLS_MAPPING_CACHE_REDIS_TIMEOUT_MS). */
  timeoutMs: number;
  /** Key prefix, so deployments can share one Redis (CELLS_MAPPING_CACHE_REDIS_PREFIX). */
  prefix: string;
  /** After a failure Redis is left alone this long, then tried again (one probe per interval). */
  retryAfterMs?: number;
}

/** Counters the metrics endpoint, the bench and the tests read. */
export interface RedisMappingsStats {
  hits: number;
  misses: number;
  /** Look-ups and writes that did not use Redis because it failed, was down or was being left alone. */
  fallbacks: number;
}

// A mapping that just changed is held as this for TOMBSTONE_MS, so a look-up that read the
// old mapping from the global subgraph before the change cannot write it back (SET NX).
const TOMBSTONE = '-';
// Above the global subgraph's default deadline (5 s): no look-up in flight outlives it.
const TOMBSTONE_MS = 10000;
const DEFAULT_RETRY_AFTER_MS = 1000;
const CLEAR_DEADLINE_MS = 10000;

/**
 * The instance mappings every gateway replica shares, in Redis: what the global subgraph
 * said about a mapping (never a caller's view), under `<prefix><instance uuid>` with the
 * cache TTL. Redis is an accelerator, never a dependency: every call has a short
 * deadline, a failure answers "not cached" (the caller asks the global subgraph) and is
 * counted, and after one the store leaves Redis alone for `retryAfterMs` before it tries
 * again. The client reconnects by itself; commands are never queued while it is away.
 */
export class RedisMappings {
  readonly stats: RedisMappingsStats = { hits: 0, misses: 0, fallbacks: 0 };
  private readonly client: Redis;
  private readonly retryAfterMs: number;
  private leftAloneUntil = 0;
  private failing = false;

  constructor(
    private readonly settings: RedisMappingsSettings,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.retryAfterMs = settings.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    this.client = new Redis(settings.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(settings.timeoutMs, 1000),
      // Reconnect forever, backing off to one attempt a second.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    // Connection errors are what the fallbacks count and log; the client's own event only says it again.
    this.client.on('error', () => undefined);
  }

  /** Whether look-ups use Redis now: connected, and not left alone after a failure (the metrics gauge). */
  up(): boolean {
    return this.client.status === 'ready' && Date.now() >= this.leftAloneUntil;
  }

  /** The cached mappings of `uuids` (a Map without the ones not cached); empty when Redis fails. */
  async get(uuids: readonly string[]): Promise<Map<string, MappingInfo>> {
    const found = new Map<string, MappingInfo>();
    const values = await this.call('read', () => this.client.mget(uuids.map((uuid) => this.key(uuid))));
    if (!values) return found;
    const malformed: string[] = [];
    values.forEach((value, i) => {
      const mapping = value === null || value === TOMBSTONE ? null : parseMapping(value, uuids[i]);
      if (mapping) found.set(uuids[i], mapping);
      else if (value !== null && value !== TOMBSTONE) malformed.push(uuids[i]);
    });
    this.stats.hits += found.size;
    this.stats.misses += uuids.length - found.size;
    if (malformed.length) void this.remove(malformed);
    return found;
  }

  /** Caches mappings the global subgraph gave (only those naming a cell); a key held by a tombstone stays. */
  async put(mappings: readonly MappingInfo[]): Promise<void> {
    if (mappings.length === 0) return;
    await this.call('write', () => {
      const batch = this.client.multi();
      for (const m of mappings) batch.set(this.key(m.instanceUuid), JSON.stringify(m), 'PX', this.ttlMs, 'NX');
      return batch.exec();
    });
  }

  /** A mapping changed or went: every replica's next look-up asks the global subgraph. */
  async forget(uuid: string): Promise<void> {
    await this.call('invalidate', () => this.client.set(this.key(uuid), TOMBSTONE, 'PX', TOMBSTONE_MS));
  }

  /** Drops entries (a cell the directory does not know, or a value this code cannot read). */
  async remove(uuids: readonly string[]): Promise<void> {
    if (uuids.length === 0) return;
    await this.call('remove', () => this.client.unlink(...uuids.map((uuid) => this.key(uuid))));
  }

  /** Drops every entry under the prefix (a resync after lost notifications, or a test). */
  async clear(): Promise<void> {
    // Off any request's path, and one round trip per thousand keys: a deadline of its own.
    await this.call(
      'clear',
      async () => {
        let cursor = '0';
        do {
          const [next, keys] = await this.client.scan(
            cursor,
            'MATCH',
            `${escapeGlob(this.settings.prefix)}*`,
            'COUNT',
            1000,
          );
          if (keys.length) await this.client.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      },
      CLEAR_DEADLINE_MS,
    );
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  private key(uuid: string): string {
    return this.settings.prefix + uuid;
  }

  // One Redis call, or null when Redis is down, being left alone, or fails within the deadline.
  private async call<T>(
    what: string,
    command: () => Promise<T>,
    deadlineMs = this.settings.timeoutMs,
  ): Promise<T | null> {
    if (Date.now() < this.leftAloneUntil) {
      this.stats.fallbacks++;
      return null;
    }
    if (this.client.status !== 'ready') return this.failed(what, `not connected (${this.client.status})`);
    try {
      const result = await withDeadline(command(), deadlineMs);
      if (this.failing) {
        this.failing = false;
        this.logger.info('mapping cache: Redis answers again; shared look-ups resumed');
      }
      return result;
    } catch (err) {
      return this.failed(what, (err as Error).message);
    }
  }

  // Counted every time, logged once per outage (the log says when it ends).
  private failed(what: string, reason: string): null {
    this.stats.fallbacks++;
    this.leftAloneUntil = Date.now() + this.retryAfterMs;
    if (!this.failing) {
      this.failing = true;
      this.logger.warn(
        { err: reason, op: what, retryInMs: this.retryAfterMs },
        'mapping cache: Redis failed; look-ups go to the global subgraph until it answers',
      );
    }
    return null;
  }
}

// A value read back from Redis, checked: another version of the gateway, or anything else, may have written it.
function parseMapping(value: string, uuid: string): MappingInfo | null {
  try {
    const m = JSON.parse(value) as Partial<MappingInfo>;
    if (
      m.instanceUuid === uuid &&
      typeof m.projectId === 'string' &&
      (m.userId === null || typeof m.userId === 'string') &&
      typeof m.queuedForDelete === 'boolean' &&
      typeof m.cellUuid === 'string'
    )
      return {
        instanceUuid: m.instanceUuid,
        projectId: m.projectId,
        userId: m.userId,
        queuedForDelete: m.queuedForDelete,
        cellUuid: m.cellUuid,
      };
  } catch {
    // not JSON: malformed
  }
  return null;
}

/**
 * `promise`, or a rejection once `ms` passed without its answer. The deadline is the event
 * loop's: when the timer fires, a reply that arrived while the loop was busy elsewhere (a
 * long page, a GC pause) is read first (setImmediate runs after I/O), so a busy gateway does
 * not count a Redis that answered in time as failed. The bench's first runs with ioredis's
 * own commandTimeout did: a few hundred fallbacks per run, hit rate down to 0.74.
 */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new Error(`no answer within ${ms} ms`))), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
