import type { Migration, Prisma } from '../../../prisma/api/generated/client';
import { badInput } from '../../../domain/errors';
import { listScope } from '../access';
import type { GlobalContext } from '../context';
import { canSeeFlavor } from '../../../domain/flavorRow';
import { decodeMigrationCursor, encodeMigrationCursor } from '../migrationCursor';

interface MigrationFilter {
  projectId?: string | null;
  allProjects?: boolean | null;
  instanceUuid?: string | null;
  status?: string | null;
  migrationType?: string | null;
  sourceCompute?: string | null;
  includeHidden?: boolean | null;
}

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 50;

function whereOf(
  filter: MigrationFilter,
  ctx: GlobalContext,
  after: string | null | undefined,
): Prisma.MigrationWhereInput {
  const projectId = listScope(ctx.identity, filter);
  const where: Prisma.MigrationWhereInput = { deleted: 0 };
  if (projectId) where.projectId = projectId;
  if (!filter.includeHidden) where.hidden = false;
  if (filter.instanceUuid) where.instanceUuid = filter.instanceUuid;
  if (filter.status) where.status = filter.status;
  if (filter.migrationType) where.migrationType = filter.migrationType;
  if (filter.sourceCompute) where.sourceCompute = filter.sourceCompute;
  if (after) {
    const { createdAt, id } = decodeMigrationCursor(after);
    where.OR = [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }];
  }
  return where;
}

async function flavor(ctx: GlobalContext, id: number | null) {
  const row = id === null ? null : await ctx.loaders.flavorById.load(id);
  return row && canSeeFlavor(ctx.identity, row) ? row : null;
}

const bigint = (value: bigint | null) => (value === null ? null : Number(value));

export const migrationResolvers = {
  Query: {
    migrations: async (
      _: unknown,
      args: { filter?: MigrationFilter | null; first?: number | null; after?: string | null },
      ctx: GlobalContext,
    ) => {
      const first = args.first ?? DEFAULT_PAGE;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
        throw badInput('first', args.first, `an integer from 1 to ${MAX_PAGE}`);
      const rows = await ctx.prisma.migration.findMany({
        where: whereOf(args.filter ?? {}, ctx, args.after),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: first + 1,
      });
      const page = rows.slice(0, first);
      const edges = page.map((node) => ({ cursor: encodeMigrationCursor(node), node }));
      return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Migration: {
    id: (row: Migration) => String(row.id),
    instance: (row: Migration) => (row.instanceUuid ? { uuid: row.instanceUuid } : null),
    oldFlavor: (row: Migration, _: unknown, ctx: GlobalContext) => flavor(ctx, row.oldInstanceTypeId),
    newFlavor: (row: Migration, _: unknown, ctx: GlobalContext) => flavor(ctx, row.newInstanceTypeId),
    memoryTotal: (row: Migration) => bigint(row.memoryTotal),
    memoryProcessed: (row: Migration) => bigint(row.memoryProcessed),
    memoryRemaining: (row: Migration) => bigint(row.memoryRemaining),
    diskTotal: (row: Migration) => bigint(row.diskTotal),
    diskProcessed: (row: Migration) => bigint(row.diskProcessed),
    diskRemaining: (row: Migration) => bigint(row.diskRemaining),
  },
};
