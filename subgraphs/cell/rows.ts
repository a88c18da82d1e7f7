import type { Instance } from '../../prisma/cell/generated/client';

/**
 * Raw SQL rows come back with the columns' snake_case names; Prisma's models use
 * camelCase. One mapping, so resolvers see the same shape from either path.
 */
export function camelRow<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const key in row) out[camelName(key)] = row[key];
  return out as T;
}

// Column names are few and fixed; a page of 1000 rows would otherwise run the regex 60,000 times.
const CAMEL = new Map<string, string>();
function camelName(column: string): string {
  let name = CAMEL.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    CAMEL.set(column, name);
  }
  return name;
}

export type InstanceRow = Instance;
