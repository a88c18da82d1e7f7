import { createHash } from 'node:crypto';

/**
 * A UUID (version 5 layout) derived from `name`: the demo data gets the same ids on
 * every run, which is what makes seeding twice change nothing.
 */
export function seededUuid(name: string): string {
  const bytes = createHash('sha1').update(`cells-demo:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A small seeded PRNG (mulberry32): the same sequence every run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from weighted choices with a draw in [0, 1). */
export function weighted<T>(draw: number, choices: Array<[T, number]>): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let left = draw * total;
  for (const [value, weight] of choices) {
    left -= weight;
    if (left < 0) return value;
  }
  return choices[choices.length - 1][0];
}

/** A locally administered MAC address derived from `name` (fa:16:3e is OpenStack's prefix). */
export function seededMac(name: string): string {
  const bytes = createHash('sha1').update(`mac:${name}`).digest().subarray(0, 3);
  return ['fa', '16', '3e', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
