import DataLoader from 'dataloader';
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
import type { CellClient } from '../../prisma/clients';
import type { InstanceRow } from './rows';

/**
 * Per-request loaders: every nested list of a page costs one SQL statement, whatever
 * the page size. Created per request so nothing is cached across callers.
 */
export interface CellLoaders {
  instance: DataLoader<string, InstanceRow | null>;
  metadata: DataLoader<string, InstanceMetadata[]>;
  systemMetadata: DataLoader<string, InstanceSystemMetadata[]>;
  infoCache: DataLoader<string, InstanceInfoCache | null>;
  extra: DataLoader<string, InstanceExtra | null>;
  faults: DataLoader<string, InstanceFault[]>;
  actions: DataLoader<string, InstanceAction[]>;
  events: DataLoader<number, InstanceActionEvent[]>;
  blockDeviceMappings: DataLoader<string, BlockDeviceMapping[]>;
  virtualInterfaces: DataLoader<string, VirtualInterface[]>;
  pciDevices: DataLoader<string, PciDevice[]>;
}

export function createLoaders(db: CellClient): CellLoaders {
  const live = { deleted: 0 };
  return {
    instance: one((uuids) => db.instance.findMany({ where: { uuid: { in: uuids } } }), (r) => r.uuid),
    metadata: many((ids) => db.instanceMetadata.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: { key: 'asc' } }), (r) => r.instanceUuid),
    systemMetadata: many(
      (ids) => db.instanceSystemMetadata.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: { key: 'asc' } }),
      (r) => r.instanceUuid,
    ),
    infoCache: one((ids) => db.instanceInfoCache.findMany({ where: { instanceUuid: { in: ids } } }), (r) => r.instanceUuid),
    extra: one((ids) => db.instanceExtra.findMany({ where: { instanceUuid: { in: ids } } }), (r) => r.instanceUuid),
    faults: many(
      (ids) => db.instanceFault.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
      (r) => r.instanceUuid,
    ),
    actions: many(
      (ids) => db.instanceAction.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
      (r) => r.instanceUuid,
    ),
    events: many((ids) => db.instanceActionEvent.findMany({ where: { actionId: { in: ids }, ...live }, orderBy: { id: 'asc' } }), (r) => r.actionId),
    blockDeviceMappings: many(
      (ids) => db.blockDeviceMapping.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: [{ bootIndex: 'asc' }, { id: 'asc' }] }),
      (r) => r.instanceUuid,
    ),
    virtualInterfaces: many(
      (ids) => db.virtualInterface.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: { id: 'asc' } }),
      (r) => r.instanceUuid ?? '',
    ),
    pciDevices: many((ids) => db.pciDevice.findMany({ where: { instanceUuid: { in: ids }, ...live }, orderBy: { id: 'asc' } }), (r) => r.instanceUuid ?? ''),
  };
}

// At most one row per key; a missing row is null, not an error.
function one<K, R>(fetch: (keys: K[]) => Promise<R[]>, keyOf: (row: R) => K): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(async (keys) => {
    const byKey = new Map<K, R>();
    for (const row of await fetch([...keys])) byKey.set(keyOf(row), row);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

// Any number of rows per key, in the order the query returned them.
function many<K, R>(fetch: (keys: K[]) => Promise<R[]>, keyOf: (row: R) => K): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>(async (keys) => {
    const byKey = new Map<K, R[]>();
    for (const row of await fetch([...keys])) {
      const list = byKey.get(keyOf(row));
      if (list) list.push(row);
      else byKey.set(keyOf(row), [row]);
    }
    return keys.map((key) => byKey.get(key) ?? []);
  });
}
