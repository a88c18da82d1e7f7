/**
 * Raw SQL rows come back with the columns' snake_case names; Prisma's models use
 * camelCase fields mapped to them (`@map`). One mapping, so resolvers see the same
 * shape from `$queryRaw` as from findMany (the schemas' agreement test keeps every
 * field the camelCase of its column).
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
