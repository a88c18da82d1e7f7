import type { CellClient } from '../../prisma/clients';
import type { Prisma } from '../../prisma/cell/generated/client';
import { seededMac, seededUuid } from './deterministic';
import type { PlannedInstance } from './demoFleet';
import { plannedActions } from './instanceActions';
import { extraFlavor, instanceRow, networkInfo, systemMetadata, userMetadata } from './instanceRows';
import { privateNetwork } from './networks';

type Tx = Prisma.TransactionClient;

/**
 * Writes the planned instances a cell database does not hold yet, each with its
 * info cache, extra, metadata, faults, actions and events, BDMs and VIF, in one
 * transaction; instances already there are left alone. Returns the ones written.
 */
export async function seedCellInstances(
  cell: CellClient,
  plans: PlannedInstance[],
  cellNumber: number,
  flavorIds: Map<string, number>,
): Promise<PlannedInstance[]> {
  if (plans.length === 0) return [];
  await backfillFlavors(cell, plans, flavorIds);
  const existing = new Set(
    (await cell.instance.findMany({ where: { uuid: { in: plans.map((p) => p.uuid) } }, select: { uuid: true } })).map(
      (row) => row.uuid,
    ),
  );
  const missing = plans.filter((p) => !existing.has(p.uuid));
  if (missing.length === 0) return [];
  await cell.$transaction(
    async (tx) => {
      await tx.instance.createMany({ data: missing.map((p) => instanceRow(p, flavorIds)) });
      const deleted = missing.filter((p) => p.state === 'deleted').map((p) => p.uuid);
      // Nova's soft delete: `deleted` takes the row's own id.
      if (deleted.length > 0)
        await tx.$executeRawUnsafe('UPDATE instances SET deleted = id WHERE uuid = ANY($1::text[])', deleted);
      await writeChildren(tx, missing, cellNumber);
      await writeActions(tx, missing);
      await addHostUsage(tx, missing);
    },
    { timeout: 60_000 },
  );
  return missing;
}

// Deployments seeded before instances carried their flavor id get it now (idempotent).
async function backfillFlavors(
  cell: CellClient,
  plans: PlannedInstance[],
  flavorIds: Map<string, number>,
): Promise<void> {
  for (const [name, id] of flavorIds) {
    const uuids = plans.filter((p) => p.flavor.name === name).map((p) => p.uuid);
    if (uuids.length)
      await cell.$executeRawUnsafe(
        'UPDATE instances SET instance_type_id = $1 WHERE uuid = ANY($2::text[]) AND instance_type_id IS NULL',
        id,
        uuids,
      );
  }
}

async function writeChildren(tx: Tx, missing: PlannedInstance[], cellNumber: number): Promise<void> {
  const gone = (p: PlannedInstance) =>
    p.state === 'deleted' ? { deletedAt: new Date(p.createdAt.getTime() + 3 * 86_400_000), deleted: 1 } : {};
  await tx.instanceInfoCache.createMany({
    data: missing.map((p) => ({
      instanceUuid: p.uuid,
      networkInfo: networkInfo(p, cellNumber),
      createdAt: p.createdAt,
    })),
  });
  await tx.instanceExtra.createMany({
    data: missing.map((p) => ({
      instanceUuid: p.uuid,
      flavor: extraFlavor(p),
      pciRequests: p.flavor.extraSpecs['pci_passthrough:alias']
        ? JSON.stringify([{ alias_name: 'nvidia-t4', count: 1 }])
        : '[]',
      keypairs: JSON.stringify({ objects: [{ name: `${p.user}-key`, user_id: p.user, type: 'ssh' }] }),
      createdAt: p.createdAt,
    })),
  });
  await tx.instanceMetadata.createMany({
    data: missing.flatMap((p) =>
      Object.entries(userMetadata(p)).map(([key, value]) => ({
        instanceUuid: p.uuid,
        key,
        value,
        createdAt: p.createdAt,
      })),
    ),
  });
  await tx.instanceSystemMetadata.createMany({
    data: missing.flatMap((p) =>
      Object.entries(systemMetadata(p)).map(([key, value]) => ({
        instanceUuid: p.uuid,
        key,
        value,
        createdAt: p.createdAt,
      })),
    ),
  });
  await tx.instanceFault.createMany({
    data: missing
      .filter((p) => p.fault)
      .map((p) => ({
        instanceUuid: p.uuid,
        code: p.fault!.code,
        message: p.fault!.message,
        details: `Traceback (most recent call last):\n  ...\n${p.fault!.message}\n`,
        host: p.host,
        createdAt: new Date(p.createdAt.getTime() + 60_000),
      })),
  });
  await tx.blockDeviceMapping.createMany({
    data: missing.flatMap((p) => [
      {
        uuid: seededUuid(`bdm:${p.uuid}:0`),
        instanceUuid: p.uuid,
        sourceType: 'image',
        destinationType: 'local',
        deviceType: 'disk',
        diskBus: 'virtio',
        bootIndex: 0,
        deviceName: '/dev/vda',
        deleteOnTermination: true,
        imageId: p.image.id,
        volumeSize: p.flavor.rootGb,
        createdAt: p.createdAt,
        ...gone(p),
      },
      ...(p.index % 6 === 0
        ? [
            {
              uuid: seededUuid(`bdm:${p.uuid}:1`),
              instanceUuid: p.uuid,
              sourceType: 'volume',
              destinationType: 'volume',
              deviceType: 'disk',
              diskBus: 'virtio',
              bootIndex: null,
              deviceName: '/dev/vdb',
              deleteOnTermination: false,
              volumeId: seededUuid(`volume:${p.uuid}`),
              volumeSize: 50,
              attachmentId: seededUuid(`attachment:${p.uuid}`),
              createdAt: p.createdAt,
              ...gone(p),
            },
          ]
        : []),
    ]),
  });
  await tx.virtualInterface.createMany({
    data: missing.map((p) => ({
      uuid: seededUuid(`vif:${p.uuid}`),
      address: seededMac(p.uuid),
      networkId: privateNetwork(p.project).uuid,
      instanceUuid: p.uuid,
      createdAt: p.createdAt,
      ...gone(p),
    })),
  });
}

async function writeActions(tx: Tx, missing: PlannedInstance[]): Promise<void> {
  const planned = missing.flatMap((p) => plannedActions(p).map((a) => ({ p, a })));
  await tx.instanceAction.createMany({
    data: planned.map(({ p, a }) => ({
      action: a.action,
      instanceUuid: p.uuid,
      requestId: a.requestId,
      userId: p.user,
      projectId: p.project,
      startTime: a.startTime,
      finishTime: a.finishTime,
      message: a.message,
      createdAt: a.startTime,
    })),
  });
  const ids = new Map(
    (
      await tx.instanceAction.findMany({
        where: { requestId: { in: planned.map(({ a }) => a.requestId) } },
        select: { id: true, requestId: true },
      })
    ).map((row) => [row.requestId, row.id]),
  );
  await tx.instanceActionEvent.createMany({
    data: planned.flatMap(({ p, a }) =>
      a.events.map((e) => ({
        actionId: ids.get(a.requestId)!,
        event: e.event,
        startTime: a.startTime,
        finishTime: e.finishTime,
        result: e.result,
        traceback: e.traceback,
        host: p.host,
        createdAt: a.startTime,
      })),
    ),
  });
}

// The hosts' resource use grows by what was placed on them, so a rerun (which
// places nothing) changes nothing and the scheduler sees consistent free space.
async function addHostUsage(tx: Tx, missing: PlannedInstance[]): Promise<void> {
  const byHost = new Map<string, { vcpus: number; memoryMb: number; localGb: number; running: number }>();
  for (const p of missing) {
    if (!p.host || p.state === 'deleted' || !p.row.onHost) continue;
    const use = byHost.get(p.host) ?? { vcpus: 0, memoryMb: 0, localGb: 0, running: 0 };
    use.vcpus += p.flavor.vcpus;
    use.memoryMb += p.flavor.memoryMb;
    use.localGb += p.flavor.rootGb + (p.flavor.ephemeralGb ?? 0);
    use.running += 1;
    byHost.set(p.host, use);
  }
  for (const [host, use] of byHost) {
    await tx.computeNode.updateMany({
      where: { host, deleted: 0 },
      data: {
        vcpusUsed: { increment: use.vcpus },
        memoryMbUsed: { increment: use.memoryMb },
        localGbUsed: { increment: use.localGb },
        freeRamMb: { decrement: use.memoryMb },
        freeDiskGb: { decrement: use.localGb },
        runningVms: { increment: use.running },
      },
    });
  }
}
