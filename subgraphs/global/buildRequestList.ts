import { Prisma, type BuildRequest } from '../../prisma/api/generated/client';
import type { ApiClient } from '../../prisma/clients';
import { camelRows } from '../../infrastructure/camelRow';
import { checkText } from '../../domain/inputText';
import { checkPattern, patternRefusal, PATTERN_STATEMENT_TIMEOUT_MS, refusedPattern } from '../../domain/namePattern';

/** What build requests may be filtered by; the same meanings as a cell's InstanceFilter. */
export interface BuildRequestFilter {
  /** Undefined for every project. */
  projectId?: string;
  uuids?: string[] | null;
  /** A PostgreSQL regular expression on the display name (`~`). */
  name?: string | null;
  userId?: string | null;
  changesSince?: Date | null;
}

/**
 * Build requests matching `filter`, oldest first, in one SQL statement. The name pattern
 * runs in PostgreSQL with the operator the cells use, under a statement_timeout: the
 * same semantics for every row of a list, and never a backtracking engine in a server.
 */
export async function listBuildRequests(prisma: ApiClient, filter: BuildRequestFilter): Promise<BuildRequest[]> {
  const conditions: Prisma.Sql[] = [];
  if (filter.projectId !== undefined)
    conditions.push(Prisma.sql`project_id = ${checkText('projectId', filter.projectId)}`);
  if (filter.uuids)
    conditions.push(Prisma.sql`instance_uuid = ANY(${filter.uuids.map((u, i) => checkText(`uuids[${i}]`, u))})`);
  if (filter.userId != null) conditions.push(Prisma.sql`user_id = ${checkText('userId', filter.userId)}`);
  // As a cell compares instances: the last change, or the creation of a row never changed.
  if (filter.changesSince != null)
    conditions.push(
      Prisma.sql`COALESCE(updated_at, created_at) >= CAST(${filter.changesSince.toISOString()} AS timestamp(3))`,
    );
  if (filter.name != null)
    conditions.push(Prisma.sql`(instance::json ->> 'displayName') ~ ${checkPattern('name', filter.name)}`);
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const query = Prisma.sql`SELECT * FROM build_requests ${where} ORDER BY created_at ASC, id ASC`;
  const rows =
    filter.name == null
      ? await prisma.$queryRaw<Record<string, unknown>[]>(query)
      : await underPatternTimeout(prisma, 'name', filter.name, (tx) => tx.$queryRaw<Record<string, unknown>[]>(query));
  return camelRows<BuildRequest>(rows);
}

/** Null when PostgreSQL accepts `pattern` as a regular expression, else its reason (compiled against the empty string). */
export async function namePatternError(prisma: ApiClient, pattern: string): Promise<string | null> {
  checkPattern('pattern', pattern);
  try {
    await underPatternTimeout(prisma, null, pattern, (tx) => tx.$queryRaw`SELECT '' ~ ${pattern} AS matched`);
    return null;
  } catch (err) {
    const reason = patternRefusal(err);
    if (reason) return reason;
    throw err;
  }
}

type Tx = Parameters<Parameters<ApiClient['$transaction']>[0]>[0];

// SET LOCAL bounds only this transaction's statements; a refused pattern is the caller's input.
async function underPatternTimeout<T>(
  prisma: ApiClient,
  field: string | null,
  pattern: string,
  run: (tx: Tx) => Promise<T>,
): Promise<T> {
  try {
    return await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${PATTERN_STATEMENT_TIMEOUT_MS}`);
      return run(tx);
    });
  } catch (err) {
    const reason = field === null ? null : patternRefusal(err);
    throw reason ? refusedPattern(field!, pattern, reason) : err;
  }
}
