import { LRUCache } from 'lru-cache';
import type { Failure, Outcome } from '../domain/outcome';

/**
 * The fields of a flavor that never change once it exists: the API sets them when it
 * creates the flavor (createFlavor) and nothing updates them; a deleted flavor keeps its
 * row and still answers by id. Extra specs, access, `disabled`, `description`,
 * `deleted` and `updatedAt` can change and are always read from the global subgraph.
 * The cell router answers these for an instance's flavor (routerFields.graphql lists
 * the same fields but `id`, which the cell answers).
 */
export const IMMUTABLE_FLAVOR_FIELDS = [
  'id',
  'flavorid',
  'name',
  'vcpus',
  'memoryMb',
  'rootGb',
  'ephemeralGb',
  'swap',
  'rxtxFactor',
  'vcpuWeight',
  'isPublic',
  'createdAt',
] as const;

/** A flavor row as the global subgraph answers IMMUTABLE_FLAVOR_FIELDS. */
export type FlavorRecord = Record<string, unknown>;

/** Flavors by id as one caller may see them; `failure` when some could not be read (they are absent from `rows`). */
export interface FlavorsRead {
  /** A row, or null: no flavor with that id the caller may see. */
  rows: Map<string, FlavorRecord | null>;
  failure: Failure | null;
}

/** Reads flavors from the global subgraph under the caller's identity, one row or null per id, in order. */
export type FlavorReader = (ids: string[]) => Promise<Outcome<(FlavorRecord | null)[]>>;

const MAX_FLAVORS = 10_000;

/**
 * Public flavors by id, as the global subgraph answered them: a public flavor is visible
 * to every caller (domain/flavorRow.ts, canSeeFlavor) and its immutable fields never
 * change, so an instance's flavor is answered from here once it was read. Private flavors
 * are never held: who may see one changes with its access list, so each is read under
 * the caller's identity, every time.
 */
export class PublicFlavors {
  private readonly flavors = new LRUCache<string, FlavorRecord>({ max: MAX_FLAVORS });
  /** Distinct flavors of the pages' look-ups answered from those held, and read from the global subgraph. */
  readonly stats = { held: 0, read: 0 };

  /** Flavors held (tests and metrics). */
  get size(): number {
    return this.flavors.size;
  }

  /** The held flavor with `id`, or undefined. */
  get(id: string): FlavorRecord | undefined {
    return this.flavors.get(id);
  }

  /** Holds `row` when it is a public flavor. */
  learn(row: FlavorRecord | null | undefined): void {
    if (row && row.isPublic === true && typeof row.id === 'string') this.flavors.set(row.id, row);
  }

  /**
   * The flavors `ids` as the caller may see them: those held at once, the others in one
   * `read` (under the caller's identity), whose public ones are kept. When that read
   * fails, the flavors held still answer and the others are absent, with the failure.
   */
  async read(ids: Iterable<string>, read: FlavorReader): Promise<FlavorsRead> {
    const rows = new Map<string, FlavorRecord | null>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const held = this.flavors.get(id);
      if (held) rows.set(id, held);
      else missing.push(id);
    }
    this.stats.held += rows.size;
    this.stats.read += missing.length;
    if (!missing.length) return { rows, failure: null };
    const answer = await read(missing);
    if (!answer.ok) return { rows, failure: answer };
    missing.forEach((id, i) => {
      const row = answer.value[i] ?? null;
      this.learn(row);
      rows.set(id, row);
    });
    return { rows, failure: null };
  }
}
