import { randomUUID } from 'node:crypto';
import type { ComputeMessage } from '../../compute/messages';
import { badInput, conflict } from '../shared/errors';
import type { CellContext } from './context';
import type { InstanceRow } from './rows';
import { PowerState, TaskState, VmState } from './status';

/** The BuildInstanceInput of the SDL. */
export interface BuildInput {
  uuid: string;
  projectId: string;
  userId: string;
  displayName: string;
  hostname?: string | null;
  host?: string | null;
  node?: string | null;
  flavor: { id: string; flavorid: string; name: string; memoryMb: number; vcpus: number; rootGb: number; ephemeralGb: number; swap: number; extraSpecs?: unknown };
  imageRef?: string | null;
  keyName?: string | null;
  keyData?: string | null;
  availabilityZone?: string | null;
  launchIndex?: number | null;
  reservationId?: string | null;
  metadata?: { key: string; value?: string | null }[] | null;
  securityGroups?: string[] | null;
  fault?: { code: number; message: string; details?: string | null } | null;
  requestId?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The scheduler's build entry: the instance and its related rows in one transaction,
 * then build_and_run_instance on compute.<host>. With a fault (no valid host; cell0)
 * the instance is written in ERROR and nothing is published. A failed publish deletes
 * what was written and fails with BROKER_UNAVAILABLE.
 */
export async function buildInstance(ctx: CellContext, input: BuildInput): Promise<InstanceRow> {
  validate(input);
  const requestId = input.requestId ?? `req-${randomUUID()}`;
  const db = ctx.cell.db;
  if (await db.instance.findUnique({ where: { uuid: input.uuid }, select: { id: true } })) throw conflict(`instance ${input.uuid} already exists in this cell`, { uuid: input.uuid });
  const row = await db.$transaction(async (tx) => {
    const now = new Date();
    const failed = Boolean(input.fault);
    const instance = await tx.instance.create({ data: instanceData(input, failed) });
    await tx.instanceInfoCache.create({ data: { instanceUuid: input.uuid, networkInfo: '[]' } });
    await tx.instanceExtra.create({
      data: {
        instanceUuid: input.uuid,
        flavor: JSON.stringify({ cur: input.flavor, old: null, new: null }),
        pciRequests: '[]',
        keypairs: input.keyName ? JSON.stringify([{ name: input.keyName, publicKey: input.keyData ?? null, type: 'ssh' }]) : null,
      },
    });
    if (input.metadata?.length) await tx.instanceMetadata.createMany({ data: input.metadata.map((m) => ({ instanceUuid: input.uuid, key: m.key, value: m.value ?? null })) });
    await tx.instanceSystemMetadata.createMany({ data: systemMetadata(input).map(([key, value]) => ({ instanceUuid: input.uuid, key, value })) });
    if (input.fault) {
      await tx.instanceFault.create({ data: { instanceUuid: input.uuid, code: input.fault.code, message: input.fault.message.slice(0, 255), details: input.fault.details ?? null, host: input.host ?? null } });
    }
    await tx.instanceAction.create({
      data: { action: 'create', instanceUuid: input.uuid, requestId, userId: input.userId, projectId: input.projectId, startTime: now, ...(failed ? { finishTime: now, message: 'Error' } : {}) },
    });
    return instance;
  });
  if (input.fault) return row;
  const message: ComputeMessage = { method: 'build_and_run_instance', instanceUuid: input.uuid, requestId, host: input.host!, sentAt: new Date().toISOString() };
  try {
    await ctx.cell.queue.publish(message);
  } catch (err) {
    await removeBuilt(ctx, input.uuid).catch((cleanupError) => ctx.cell.logger.error({ err: cleanupError, uuid: input.uuid }, 'could not remove an instance whose build was not published'));
    throw err;
  }
  return row;
}

function instanceData(input: BuildInput, failed: boolean) {
  return {
    uuid: input.uuid,
    projectId: input.projectId,
    userId: input.userId,
    displayName: input.displayName,
    hostname: input.hostname ?? input.displayName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63),
    host: input.host ?? null,
    node: input.node ?? input.host ?? null,
    launchedOn: input.host ?? null,
    instanceTypeId: Number(input.flavor.id),
    memoryMb: input.flavor.memoryMb,
    vcpus: input.flavor.vcpus,
    rootGb: input.flavor.rootGb,
    ephemeralGb: input.flavor.ephemeralGb,
    imageRef: input.imageRef ?? null,
    keyName: input.keyName ?? null,
    keyData: input.keyData ?? null,
    availabilityZone: input.availabilityZone ?? null,
    launchIndex: input.launchIndex ?? 0,
    reservationId: input.reservationId ?? `r-${randomUUID().slice(0, 8)}`,
    vmState: failed ? VmState.ERROR : VmState.BUILDING,
    taskState: failed ? null : TaskState.SCHEDULING,
    powerState: PowerState.NOSTATE,
    progress: 0,
  };
}

// What Nova keeps in system metadata at boot: the image it came from and the security groups asked for.
function systemMetadata(input: BuildInput): [string, string | null][] {
  const entries: [string, string | null][] = [['image_base_image_ref', input.imageRef ?? null]];
  if (input.securityGroups?.length) entries.push(['security_groups', input.securityGroups.join(',').slice(0, 255)]);
  return entries;
}

async function removeBuilt(ctx: CellContext, uuid: string): Promise<void> {
  const db = ctx.cell.db;
  await db.$transaction([
    db.instanceActionEvent.deleteMany({ where: { action: { instanceUuid: uuid } } }),
    db.instanceAction.deleteMany({ where: { instanceUuid: uuid } }),
    db.instanceFault.deleteMany({ where: { instanceUuid: uuid } }),
    db.instanceSystemMetadata.deleteMany({ where: { instanceUuid: uuid } }),
    db.instanceMetadata.deleteMany({ where: { instanceUuid: uuid } }),
    db.instanceExtra.deleteMany({ where: { instanceUuid: uuid } }),
    db.instanceInfoCache.deleteMany({ where: { instanceUuid: uuid } }),
    db.instance.deleteMany({ where: { uuid } }),
  ]);
}

function validate(input: BuildInput): void {
  if (!UUID.test(input.uuid)) throw badInput('input.uuid', input.uuid, 'a UUID');
  if (!input.displayName.trim() || input.displayName.length > 255) throw badInput('input.displayName', input.displayName, '1 to 255 characters');
  if (!/^\d+$/.test(input.flavor.id)) throw badInput('input.flavor.id', input.flavor.id, "the flavor's integer id");
  for (const field of ['memoryMb', 'vcpus', 'rootGb', 'ephemeralGb', 'swap'] as const) {
    const value = input.flavor[field];
    if (!Number.isInteger(value) || value < 0) throw badInput(`input.flavor.${field}`, value, 'a non-negative integer');
  }
  if (!input.fault && !input.host) throw badInput('input.host', input.host ?? null, 'a compute host (or a fault for an instance that was not scheduled)');
  for (const [i, m] of (input.metadata ?? []).entries()) {
    if (!m.key || m.key.length > 255) throw badInput(`input.metadata[${i}].key`, m.key, '1 to 255 characters');
    if (m.value != null && m.value.length > 255) throw badInput(`input.metadata[${i}].value`, m.value, 'at most 255 characters');
  }
}
