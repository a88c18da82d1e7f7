import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../../prisma/api/generated/client';
import type { ApiClient } from '../../../prisma/clients';
import {
  lockProjectUsage,
  negate,
  shiftUsage,
  type BootAmounts,
  type UsageScope,
} from '../../../domain/quotas/bootUsage';
import { requestSpecJson, type BuildRequestInstance } from '../../../domain/requestSpec';
import type { ServerRequest } from './serverInput';

/** One server accepted and reserved for, not yet in any cell. */
export interface PendingBuild extends BuildRequestInstance {
  instanceUuid: string;
}

/**
 * Writes a build request, a request spec and a cell-less instance mapping per server,
 * inside the reservation's transaction, so the servers are listed (as BUILD) at once.
 * More than one server: named <name>-<n>, as Nova's multi-create does.
 */
export async function writeBuildRecords(
  tx: Prisma.TransactionClient,
  scope: UsageScope,
  request: ServerRequest,
  count: number,
  reservationId: string,
): Promise<PendingBuild[]> {
  const builds: PendingBuild[] = Array.from({ length: count }, (_, i) => ({
    instanceUuid: randomUUID(),
    displayName: count > 1 ? `${request.name}-${i + 1}` : request.name,
    flavorId: request.flavor.id,
    imageRef: request.imageRef,
    availabilityZone: request.zoneCell,
    launchIndex: i,
    reservationId,
  }));
  const now = new Date();
  await tx.buildRequest.createMany({
    data: builds.map(({ instanceUuid, ...instance }) => ({
      instanceUuid,
      projectId: scope.projectId,
      userId: scope.userId,
      instance: JSON.stringify(instance),
      createdAt: now,
    })),
  });
  await tx.requestSpec.createMany({
    data: builds.map((b) => ({
      instanceUuid: b.instanceUuid,
      spec: requestSpecJson({
        ...scope,
        instanceUuid: b.instanceUuid,
        flavor: request.flavor,
        imageRef: request.imageRef,
        availabilityZone: request.zoneCell,
        securityGroups: request.securityGroups,
        reservationId,
        numInstances: count,
      }),
      createdAt: now,
    })),
  });
  await tx.instanceMapping.createMany({
    data: builds.map((b) => ({
      instanceUuid: b.instanceUuid,
      projectId: scope.projectId,
      userId: scope.userId,
      createdAt: now,
    })),
  });
  return builds;
}

/**
 * A cell holds the server now: point its mapping there, drop the build request, and turn
 * its reservation into usage (`consumed`: all of it on a host, one instance in cell0).
 * Exactly once: whoever deletes the build request settles it (createServer or the build
 * reaper); a second settle finds it gone, changes nothing and answers false.
 */
export async function settleBuild(
  api: ApiClient,
  scope: UsageScope,
  instanceUuid: string,
  cellId: number,
  reserved: BootAmounts,
  consumed: BootAmounts,
): Promise<boolean> {
  return api.$transaction(async (tx) => {
    await lockProjectUsage(tx, scope.projectId);
    if ((await tx.buildRequest.deleteMany({ where: { instanceUuid } })).count === 0) return false;
    await tx.instanceMapping.update({ where: { instanceUuid }, data: { cellId, updatedAt: new Date() } });
    await shiftUsage(tx, scope, { reserved: negate(reserved), inUse: consumed });
    return true;
  });
}

/** Not even cell0 took the server: forget it and give its reservation back (exactly once, as settleBuild). */
export async function abandonBuild(
  api: ApiClient,
  scope: UsageScope,
  instanceUuid: string,
  reserved: BootAmounts,
): Promise<boolean> {
  return api.$transaction(async (tx) => {
    await lockProjectUsage(tx, scope.projectId);
    if ((await tx.buildRequest.deleteMany({ where: { instanceUuid } })).count === 0) return false;
    await tx.requestSpec.deleteMany({ where: { instanceUuid } });
    await tx.instanceMapping.deleteMany({ where: { instanceUuid } });
    await shiftUsage(tx, scope, { reserved: negate(reserved), inUse: { instances: 0, cores: 0, ram: 0 } });
    return true;
  });
}
