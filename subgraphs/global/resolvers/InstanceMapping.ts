import { badInput } from '../../../domain/errors';
import { oneProject } from '../access';
import type { GlobalContext } from '../context';
import { canSeeFlavor } from '../../../domain/flavorRow';
import type { MappingRow } from '../loaders';

/** The router asks for at most this many mappings at once. */
export const MAX_MAPPINGS = 1000;

interface MappingArgs {
  uuids?: string[] | null;
  projectId?: string | null;
  cellUuid?: string | null;
  cellUuids?: string[] | null;
  includeQueuedForDelete?: boolean | null;
  first?: number | null;
  order?: 'CREATED' | 'UUID' | null;
  afterUuid?: string | null;
}

export const instanceMappingResolvers = {
  Query: {
    instanceMappings: (_: unknown, args: MappingArgs, ctx: GlobalContext) => {
      if (args.uuids && args.uuids.length > MAX_MAPPINGS)
        throw badInput('uuids', `${args.uuids.length} uuids`, `at most ${MAX_MAPPINGS}`);
      if (args.cellUuids && args.cellUuids.length > MAX_MAPPINGS)
        throw badInput('cellUuids', `${args.cellUuids.length} uuids`, `at most ${MAX_MAPPINGS}`);
      const first = args.first ?? MAX_MAPPINGS;
      if (!Number.isInteger(first) || first < 1 || first > MAX_MAPPINGS)
        throw badInput('first', args.first, `an integer from 1 to ${MAX_MAPPINGS}`);
      const byUuid = args.order === 'UUID';
      if (args.afterUuid != null && !byUuid) throw badInput('afterUuid', args.afterUuid, 'order: UUID with it');
      // Admins without a project filter see every project; everyone else sees one.
      const projectId = ctx.identity.isAdmin && !args.projectId ? undefined : oneProject(ctx.identity, args.projectId);
      const cells = [...(args.cellUuid ? [args.cellUuid] : []), ...(args.cellUuids ?? [])];
      const uuid = {
        ...(args.uuids ? { in: args.uuids } : {}),
        ...(args.afterUuid != null ? { gt: args.afterUuid } : {}),
      };
      return ctx.prisma.instanceMapping.findMany({
        where: {
          ...(Object.keys(uuid).length ? { instanceUuid: uuid } : {}),
          ...(projectId ? { projectId } : {}),
          ...(args.cellUuid || args.cellUuids ? { cell: { uuid: { in: cells } } } : {}),
          ...(args.includeQueuedForDelete ? {} : { queuedForDelete: false }),
        },
        include: { cell: true },
        orderBy: byUuid ? { instanceUuid: 'asc' } : { id: 'asc' },
        take: first,
      });
    },
  },
  InstanceMapping: {
    cellUuid: (row: MappingRow) => row.cell?.uuid ?? null,
    instance: (row: MappingRow) => ({ uuid: row.instanceUuid }),
    flavor: async (row: MappingRow, _: unknown, ctx: GlobalContext) => {
      const { flavorId, flavorName } = specSummary(await ctx.loaders.requestSpecByInstanceUuid.load(row.instanceUuid));
      const flavor =
        flavorId !== null
          ? await ctx.loaders.flavorById.load(flavorId)
          : flavorName !== null
            ? await ctx.loaders.liveFlavorByName.load(flavorName)
            : null;
      return flavor && canSeeFlavor(ctx.identity, flavor) ? flavor : null;
    },
    availabilityZone: async (row: MappingRow, _: unknown, ctx: GlobalContext) =>
      specSummary(await ctx.loaders.requestSpecByInstanceUuid.load(row.instanceUuid)).availabilityZone,
  },
};

/**
 * What a request spec (Nova's snake_case JSON) says about the instance's placement.
 * The scheduler records the flavor's id; specs written without it (the demo seed)
 * name the flavor only. Unreadable parts are null.
 */
function specSummary(spec: string | null): {
  flavorId: number | null;
  flavorName: string | null;
  availabilityZone: string | null;
} {
  let parsed: { flavor?: { id?: unknown; name?: unknown }; availability_zone?: unknown } = {};
  try {
    parsed = spec ? JSON.parse(spec) : {};
  } catch {
    // an unreadable spec knows nothing
  }
  const flavor = parsed && typeof parsed.flavor === 'object' && parsed.flavor ? parsed.flavor : {};
  return {
    flavorId: Number.isInteger(flavor.id) && (flavor.id as number) > 0 ? (flavor.id as number) : null,
    flavorName: typeof flavor.name === 'string' && flavor.name ? flavor.name : null,
    availabilityZone:
      typeof parsed?.availability_zone === 'string' && parsed.availability_zone ? parsed.availability_zone : null,
  };
}
