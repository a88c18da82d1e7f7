import type { Instance } from '../../prisma/cell/generated/client';

/**
 * Raw SQL rows come back with the columns' snake_case names; Prisma's models use
 * camelCase. One mapping, so resolvers see the same shape from either path.
 */
export function camelRow<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  return out as T;
}

export type InstanceRow = Instance;
