import { badInput } from '../../shared/errors';
import { oneProject } from '../access';
import type { GlobalContext } from '../context';
import type { MappingRow } from '../loaders';

/** The router asks for at most this many mappings at once. */
export const MAX_MAPPINGS = 1000;

interface MappingArgs {
  uuids?: string[] | null;
  projectId?: string | null;
  cellUuid?: string | null;
  includeQueuedForDelete?: boolean | null;
  first?: number | null;
}

export const instanceMappingResolvers = {
  Query: {
    instanceMappings: (_: unknown, args: MappingArgs, ctx: GlobalContext) => {
      if (args.uuids && args.uuids.length > MAX_MAPPINGS) throw badInput('uuids', `${args.uuids.length} uuids`, `at most ${MAX_MAPPINGS}`);
      const first = args.first ?? MAX_MAPPINGS;
      if (!Number.isInteger(first) || first < 1 || first > MAX_MAPPINGS) throw badInput('first', args.first, `an integer from 1 to ${MAX_MAPPINGS}`);
      // Admins without a project filter see every project; everyone else sees one.
      const projectId = ctx.identity.isAdmin && !args.projectId ? undefined : oneProject(ctx.identity, args.projectId);
      return ctx.prisma.instanceMapping.findMany({
        where: {
          ...(args.uuids ? { instanceUuid: { in: args.uuids } } : {}),
          ...(projectId ? { projectId } : {}),
          ...(args.cellUuid ? { cell: { uuid: args.cellUuid } } : {}),
          ...(args.includeQueuedForDelete ? {} : { queuedForDelete: false }),
        },
        include: { cell: true },
        orderBy: { id: 'asc' },
        take: first,
      });
    },
  },
  InstanceMapping: {
    cellUuid: (row: MappingRow) => row.cell?.uuid ?? null,
    instance: (row: MappingRow) => ({ uuid: row.instanceUuid }),
  },
};
