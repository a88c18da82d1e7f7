import { randomUUID } from 'node:crypto';
import type { CellClient } from '../../../../prisma/clients';

export interface SeedInstance {
  uuid?: string;
  projectId?: string;
  userId?: string;
  displayName?: string | null;
  vmState?: string;
  taskState?: string | null;
  powerState?: number;
  host?: string | null;
  createdAt?: Date;
  updatedAt?: Date | null;
  launchedAt?: Date | null;
  locked?: boolean;
  deleted?: boolean;
  instanceTypeId?: number | null;
}

/** Inserts one instance (only the columns the tests vary; the rest Nova-like defaults). */
export async function seedInstance(db: CellClient, seed: SeedInstance = {}) {
  const uuid = seed.uuid ?? randomUUID();
  const row = await db.instance.create({
    data: {
      uuid,
      projectId: seed.projectId ?? 'p1',
      userId: seed.userId ?? 'u1',
      displayName: seed.displayName === undefined ? `vm-${uuid.slice(0, 8)}` : seed.displayName,
      vmState: seed.vmState ?? 'active',
      taskState: seed.taskState ?? null,
      powerState: seed.powerState ?? 1,
      host: seed.host === undefined ? 'compute1' : seed.host,
      node: seed.host === undefined ? 'compute1' : seed.host,
      createdAt: seed.createdAt ?? new Date(),
      updatedAt: seed.updatedAt ?? null,
      launchedAt: seed.launchedAt === undefined ? new Date() : seed.launchedAt,
      locked: seed.locked ?? false,
      instanceTypeId: seed.instanceTypeId === undefined ? 1 : seed.instanceTypeId,
      memoryMb: 512,
      vcpus: 1,
      rootGb: 1,
      ephemeralGb: 0,
    },
  });
  if (seed.deleted) {
    return db.instance.update({
      where: { uuid },
      data: { deleted: row.id, deletedAt: new Date(), vmState: 'deleted' },
    });
  }
  return row;
}

/** Gives an instance one row in every nested table, so a page exercises every loader. */
export async function seedNested(db: CellClient, uuid: string): Promise<void> {
  const suffix = uuid.slice(0, 8);
  await db.instanceMetadata.create({ data: { instanceUuid: uuid, key: 'role', value: 'web' } });
  await db.instanceSystemMetadata.create({ data: { instanceUuid: uuid, key: 'image_base_image_ref', value: 'img-1' } });
  await db.instanceInfoCache.create({
    data: { instanceUuid: uuid, networkInfo: JSON.stringify([{ id: `port-${suffix}`, address: 'fa:16:3e:00:00:01' }]) },
  });
  await db.instanceExtra.create({
    data: { instanceUuid: uuid, flavor: JSON.stringify({ cur: { name: 'm1.tiny' } }), numaTopology: null },
  });
  await db.instanceFault.create({
    data: { instanceUuid: uuid, code: 500, message: 'older', createdAt: new Date(Date.now() - 60000) },
  });
  await db.instanceFault.create({ data: { instanceUuid: uuid, code: 500, message: 'newest' } });
  const action = await db.instanceAction.create({
    data: { instanceUuid: uuid, action: 'create', requestId: `req-${suffix}`, startTime: new Date() },
  });
  await db.instanceActionEvent.create({
    data: {
      actionId: action.id,
      event: 'compute_build_and_run_instance',
      result: 'Success',
      startTime: new Date(),
      finishTime: new Date(),
    },
  });
  await db.blockDeviceMapping.create({
    data: {
      instanceUuid: uuid,
      uuid: randomUUID(),
      sourceType: 'image',
      destinationType: 'local',
      bootIndex: 0,
      deleteOnTermination: true,
    },
  });
  await db.virtualInterface.create({
    data: { instanceUuid: uuid, uuid: randomUUID(), address: `fa:16:3e:${suffix}`, networkId: 'net-1' },
  });
  const node = await db.computeNode.upsert({
    where: { uuid: 'seed-node' },
    update: {},
    create: {
      uuid: 'seed-node',
      host: 'compute1',
      hypervisorHostname: 'compute1',
      vcpus: 8,
      memoryMb: 8192,
      localGb: 100,
      hypervisorType: 'fake',
      hypervisorVersion: 1,
      cpuInfo: '{}',
    },
  });
  await db.pciDevice.create({
    data: {
      instanceUuid: uuid,
      computeNodeId: node.id,
      address: suffix.slice(0, 12),
      vendorId: '8086',
      productId: '1520',
      devType: 'type-VF',
      label: 'label',
      status: 'allocated',
    },
  });
}
