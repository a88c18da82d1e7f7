import type { InstanceAction, InstanceExtra, InstanceInfoCache } from '../../../prisma/cell/generated/client';
import type { CellContext } from '../context';
import { canSee } from '../instanceAccess';
import type { InstanceRow } from '../rows';
import { POWER_STATE_NAMES, statusFromState } from '../../../domain/instanceStatus';
import { jsonText } from './jsonText';

export const Instance = {
  /** Batched: every reference of one _entities call is one SQL statement. */
  async __resolveReference(ref: { uuid: string }, ctx: CellContext) {
    const row = await ctx.loaders.instance.load(ref.uuid);
    return row && canSee(ctx.identity, row) ? row : null;
  },
  status: (row: InstanceRow) => statusFromState(row.vmState, row.taskState),
  powerStateName: (row: InstanceRow) =>
    row.powerState == null ? null : (POWER_STATE_NAMES[row.powerState] ?? 'NOSTATE'),
  flavor: (row: InstanceRow) =>
    row.instanceTypeId == null ? null : { __typename: 'Flavor', id: String(row.instanceTypeId) },
  deleted: (row: InstanceRow) => row.deleted !== 0,
  metadata: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.metadata.get(row.uuid),
  systemMetadata: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.systemMetadata.get(row.uuid),
  infoCache: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.infoCache.get(row.uuid),
  extra: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.extra.get(row.uuid),
  faults: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.faults.get(row.uuid),
  fault: (row: InstanceRow, _: unknown, ctx: CellContext) => {
    const faults = ctx.loaders.faults.get(row.uuid);
    return Array.isArray(faults) ? (faults[0] ?? null) : faults.then((list) => list[0] ?? null);
  },
  actions: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.actions.get(row.uuid),
  blockDeviceMappings: (row: InstanceRow, _: unknown, ctx: CellContext) =>
    ctx.loaders.blockDeviceMappings.get(row.uuid),
  virtualInterfaces: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.virtualInterfaces.get(row.uuid),
  pciDevices: (row: InstanceRow, _: unknown, ctx: CellContext) => ctx.loaders.pciDevices.get(row.uuid),
};

export const InstanceInfoCacheType = {
  networkInfo: (row: InstanceInfoCache) => jsonText(row.networkInfo),
};

/** Every InstanceExtra field is a JSON text column. */
export const InstanceExtraType = Object.fromEntries(
  (
    [
      'numaTopology',
      'pciRequests',
      'flavor',
      'vcpuModel',
      'migrationContext',
      'keypairs',
      'deviceMetadata',
      'trustedCerts',
      'resources',
    ] as const
  ).map((field) => [field, (row: InstanceExtra) => jsonText(row[field])]),
);

// An action another project started on a tenant's instance (an admin's lock or stop) is shown,
// but not who started it: a tenant never sees another project's ids.
const requesterVisible = (row: InstanceAction, ctx: CellContext) =>
  ctx.identity.isAdmin || row.projectId === ctx.identity.projectId;

export const InstanceActionType = {
  id: (row: InstanceAction) => String(row.id),
  userId: (row: InstanceAction, _: unknown, ctx: CellContext) => (requesterVisible(row, ctx) ? row.userId : null),
  projectId: (row: InstanceAction, _: unknown, ctx: CellContext) => (requesterVisible(row, ctx) ? row.projectId : null),
  events: (row: InstanceAction, _: unknown, ctx: CellContext) => ctx.loaders.events.load(row.id),
};
