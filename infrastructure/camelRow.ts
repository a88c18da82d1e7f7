/**
 * Raw SQL rows come back with the columns' snake_case names; Prisma's models use
 * camelCase fields mapped to them (`@map`). One mapping, so resolvers see the same
 * shape from `$queryRaw` as from findMany (the schemas' agreement test keeps every
 * field the camelCase of its column).
 */
export function camelRow<T>(row: Record<string, unknown>): T {
  return mapperOf(Object.keys(row))(row) as T;
}

/** camelRow over a statement's rows: one mapper for all of them (they share their columns). */
export function camelRows<T>(rows: Record<string, unknown>[]): T[] {
  if (rows.length === 0) return [];
  return rows.map(mapperOf(Object.keys(rows[0]))) as T[];
}

type Mapper = (row: Record<string, unknown>) => Record<string, unknown>;

/**
 * One mapper per column list (a statement's `SELECT *` of one table: a few dozen lists in
 * all), built as an object literal so every row gets the same shape at once; the keyed
 * copy it replaces cost about 4% of a 1000-row page.
 */
const MAPPERS = new Map<string, Mapper>();
function mapperOf(columns: string[]): Mapper {
  const key = columns.join(',');
  let mapper = MAPPERS.get(key);
  if (mapper === undefined) {
    const fields = columns.map((c) => `${JSON.stringify(camelName(c))}: row[${JSON.stringify(c)}]`);
    // The names are the database's column names, quoted as string literals.
    mapper = new Function('row', `return { ${fields.join(', ')} };`) as Mapper;
    MAPPERS.set(key, mapper);
  }
  return mapper;
}

function camelName(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
