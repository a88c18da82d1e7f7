import { canSeeProject } from '../access';
import type { GlobalContext } from '../context';
import type { MappingRow } from '../loaders';

/** The Instance entity as this subgraph knows it: only its key. */
interface InstanceRef {
  uuid: string;
}

// One batched mapping look-up serves cell, mapping and tags of every instance in a plan step.
async function visibleMapping(ref: InstanceRef, ctx: GlobalContext): Promise<MappingRow | null> {
  const mapping = await ctx.loaders.mappingByInstanceUuid.load(ref.uuid);
  return mapping && canSeeProject(ctx.identity, mapping.projectId) ? mapping : null;
}

export const instanceResolvers = {
  Instance: {
    __resolveReference: (ref: InstanceRef) => ({ uuid: ref.uuid }),
    cell: async (ref: InstanceRef, _: unknown, ctx: GlobalContext) => (await visibleMapping(ref, ctx))?.cell ?? null,
    mapping: (ref: InstanceRef, _: unknown, ctx: GlobalContext) => visibleMapping(ref, ctx),
    tags: async (ref: InstanceRef, _: unknown, ctx: GlobalContext) =>
      (await visibleMapping(ref, ctx)) ? ctx.loaders.tagsByResourceId.load(ref.uuid) : [],
  },
};
