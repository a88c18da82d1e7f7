import type {
  BlockDeviceMapping,
  InstanceAction,
  InstanceActionEvent,
  InstanceExtra,
  InstanceFault,
  InstanceInfoCache,
  InstanceMetadata,
  InstanceSystemMetadata,
  PciDevice,
  VirtualInterface,
} from '../../prisma/cell/generated/client';
import { Prisma } from '../../prisma/cell/generated/client';
import type { CellClient } from '../../prisma/clients';
import { camelRows, type InstanceRow } from './rows';
import { SettledLoader } from './settledLoader';

/**
 * Per-request loaders: every nested list of a page costs one SQL statement, whatever
 * the page size. Created per request so nothing is cached across callers.
 */
export interface CellLoaders {
  instance: SettledLoader<string, InstanceRow | null>;
  metadata: SettledLoader<string, InstanceMetadata[]>;
  systemMetadata: SettledLoader<string, InstanceSystemMetadata[]>;
  infoCache: SettledLoader<string, InstanceInfoCache | null>;
  extra: SettledLoader<string, InstanceExtra | null>;
  faults: SettledLoader<string, InstanceFault[]>;
  actions: SettledLoader<string, InstanceAction[]>;
  events: SettledLoader<number, InstanceActionEvent[]>;
  blockDeviceMappings: SettledLoader<string, BlockDeviceMapping[]>;
  virtualInterfaces: SettledLoader<string, VirtualInterface[]>;
  pciDevices: SettledLoader<string, PciDevice[]>;
}

export function createLoaders(db: CellClient): CellLoaders {
  const rows = rowsOf(db);
  return {
    instance: one(rows<InstanceRow>('instances', 'uuid', { live: false }), (r) => r.uuid),
    metadata: many(
      rows<InstanceMetadata>('instance_metadata', 'instance_uuid', { order: 'key' }),
      (r) => r.instanceUuid,
    ),
    systemMetadata: many(
      rows<InstanceSystemMetadata>('instance_system_metadata', 'instance_uuid', { order: 'key' }),
      (r) => r.instanceUuid,
    ),
    infoCache: one(
      rows<InstanceInfoCache>('instance_info_caches', 'instance_uuid', { live: false }),
      (r) => r.instanceUuid,
    ),
    extra: one(rows<InstanceExtra>('instance_extra', 'instance_uuid', { live: false }), (r) => r.instanceUuid),
    faults: many(
      rows<InstanceFault>('instance_faults', 'instance_uuid', { order: 'created_at DESC, id DESC' }),
      (r) => r.instanceUuid,
    ),
    actions: many(
      rows<InstanceAction>('instance_actions', 'instance_uuid', { order: 'created_at DESC, id DESC' }),
      (r) => r.instanceUuid,
    ),
    events: many(rows<InstanceActionEvent>('instance_actions_events', 'action_id', { order: 'id' }), (r) => r.actionId),
    blockDeviceMappings: many(
      rows<BlockDeviceMapping>('block_device_mapping', 'instance_uuid', { order: 'boot_index, id' }),
      (r) => r.instanceUuid,
    ),
    virtualInterfaces: many(
      rows<VirtualInterface>('virtual_interfaces', 'instance_uuid', { order: 'id' }),
      (r) => r.instanceUuid ?? '',
    ),
    pciDevices: many(rows<PciDevice>('pci_devices', 'instance_uuid', { order: 'id' }), (r) => r.instanceUuid ?? ''),
  };
}

/**
 * The rows of `table` whose `key` is one of the batch's keys, as the Prisma model's
 * shape (camelCase fields; timestamps as Dates). Plain SQL rather than findMany: for
 * the 1000 rows of a page Prisma's query building and result mapping cost 1.5 to 2.3
 * times the statement itself, and a page of every nested field runs about ten of them.
 */
function rowsOf(db: CellClient) {
  return <R>(table: string, key: string, options: NestedOptions) =>
    async (keys: readonly unknown[]): Promise<R[]> => {
      const raw = await db.$queryRaw<Record<string, unknown>[]>(nestedQuery(table, key, options, keys));
      return camelRows<R>(raw);
    };
}

/** `live` (default) leaves soft-deleted rows out; `order` is the order within one key. */
export interface NestedOptions {
  live?: boolean;
  order?: string;
}

/**
 * A loader's one statement (exported so a test can EXPLAIN it). Table, column and order
 * are constants of this file, never input; the keys are one array parameter.
 */
export function nestedQuery(table: string, key: string, options: NestedOptions, keys: readonly unknown[]): Prisma.Sql {
  const live = options.live === false ? Prisma.empty : Prisma.sql` AND deleted = 0`;
  const order = options.order ? Prisma.raw(` ORDER BY ${options.order}`) : Prisma.empty;
  return Prisma.sql`SELECT * FROM ${Prisma.raw(table)} WHERE ${Prisma.raw(key)} = ANY(${[...keys]})${live}${order}`;
}

// At most one row per key; a missing row is null, not an error.
function one<K, R>(fetch: (keys: readonly K[]) => Promise<R[]>, keyOf: (row: R) => K): SettledLoader<K, R | null> {
  return new SettledLoader<K, R | null>(async (keys) => {
    const byKey = new Map<K, R>();
    for (const row of await fetch(keys)) byKey.set(keyOf(row), row);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

// Any number of rows per key, in the order the query returned them.
function many<K, R>(fetch: (keys: readonly K[]) => Promise<R[]>, keyOf: (row: R) => K): SettledLoader<K, R[]> {
  return new SettledLoader<K, R[]>(async (keys) => {
    const byKey = new Map<K, R[]>();
    for (const row of await fetch(keys)) {
      const list = byKey.get(keyOf(row));
      if (list) list.push(row);
      else byKey.set(keyOf(row), [row]);
    }
    return keys.map((key) => byKey.get(key) ?? []);
  });
}
