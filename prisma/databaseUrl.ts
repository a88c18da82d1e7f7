/** Helpers for PostgreSQL connection URLs: swap the database, name it, mask it. */

/** Returns `url` with its database (path) replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database name a URL points at. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`database URL has no database name: ${maskUrl(url)}`);
  return name;
}

/** The URL with any password replaced by `***`, safe for logs and non-admin eyes. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: hide everything between "://" and "@".
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** A database name PostgreSQL accepts unquoted and we can interpolate safely. */
export function assertSafeIdentifier(name: string, field = 'database'): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`${field} name must match [a-z_][a-z0-9_]{0,62}, got ${JSON.stringify(name)}`);
  }
  return name;
}
