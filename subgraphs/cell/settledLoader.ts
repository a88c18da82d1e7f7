import DataLoader from 'dataloader';

/**
 * A DataLoader that also keeps the values its batches answered, so a resolver can read
 * one the request already fetched without a promise (see prefetchNested). graphql-js
 * completes an object synchronously only when none of its fields is a promise: a page
 * of 1000 instances with promised nested lists cost an async completion per object,
 * and its promises and microtasks were a large share of a page's CPU.
 */
export class SettledLoader<K, V> extends DataLoader<K, V> {
  private readonly settled: Map<K, V>;

  constructor(batch: (keys: readonly K[]) => Promise<V[]>) {
    const settled = new Map<K, V>();
    super(async (keys) => {
      const values = await batch(keys);
      keys.forEach((key, i) => settled.set(key, values[i]));
      return values;
    });
    this.settled = settled;
  }

  /** The value when a batch already answered `key`, else a promise of it. */
  get(key: K): V | Promise<V> {
    return this.settled.has(key) ? (this.settled.get(key) as V) : this.load(key);
  }

  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    if (!(value instanceof Error) && !isThenable(value)) this.settled.set(key, value);
    return super.prime(key, value);
  }

  override clear(key: K): this {
    this.settled.delete(key);
    return super.clear(key);
  }

  override clearAll(): this {
    this.settled.clear();
    return super.clearAll();
  }
}

function isThenable<V>(value: V | PromiseLike<V>): value is PromiseLike<V> {
  return typeof (value as PromiseLike<V> | null)?.then === 'function';
}
