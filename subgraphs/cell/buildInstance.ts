import { randomUUID } from 'node:crypto';
import type { ComputeMessage } from '../../compute/messages';
import { badInput, conflict } from '../shared/errors';
import type { CellContext } from './context';
import { claimHost } from './hostClaim';
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
  /** The host's compute node generation the scheduler chose it at; a changed node is refused (CLAIM_CONFLICT). */
  expectedGeneration?: number | null;
  /** When the scheduler stops waiting: a build that would commit later is refused (DEADLINE_PASSED). */
  deadline?: Date | null;
}

/** Why a build was refused because the scheduler already gave up on it. */
export const DEADLINE_PASSED = 'DEADLINE_PASSED';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The scheduler's build entry: in one transaction, the claim on the host's capacity
 * (hostClaim), the instance and its related rows; then build_and_run_instance on
 * compute.<host>. With a fault (no valid host; cell0) the instance is written in ERROR,
 * nothing is claimed and nothing is published. A failed publish deletes what was
 * written and fails with BROKER_UNAVAILABLE.
 *
 * Idempotent by uuid: a second build of an instance this cell holds answers that
 * instance and publishes nothing, so a scheduler or reaper that retries after a lost
 * answer never makes a second server. A build past the scheduler's deadline commits
 * nothing, so the cell never holds a server the scheduler has given up on.
 */
export async function buildInstance(ctx: CellContext, input: BuildInput): Promise<InstanceRow> {
  validate(input);
  const requestId = input.requestId ?? `req-${randomUUID()}`;
  const existing = await existingInstance(ctx, input.uuid);
  if (existing) return existing;
  let row: InstanceRow;
  try {
    row = await writeInstance(ctx, input, requestId);
  } catch (err) {
    // A concurrent build of the same uuid won the insert: answer what it wrote.
    if ((err as { code?: string }).code === 'P2002') {
      const raced = await existingInstance(ctx, input.uuid);
      if (raced) return raced;
    }
    throw err;
  }
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

// The live instance of that uuid, if this cell already holds it; a deleted one cannot be built again.
async function existingInstance(ctx: CellContext, uuid: string): Promise<InstanceRow | null> {
  const row = await ctx.cell.db.instance.findUnique({ where: { uuid } });
  if (!row) return null;
  if (row.deleted !== 0) throw conflict(`instance ${uuid} was deleted in this cell and cannot be built again`, { uuid });
  ctx.cell.logger.info({ uuid }, 'buildInstance: the instance exists already; answering it');
  return row;
}

async function writeInstance(ctx: CellContext, input: BuildInput, requestId: string): Promise<InstanceRow> {
  return ctx.cell.db.$transaction(async (tx) => {
    const now = new Date();
    const failed = Boolean(input.fault);
    if (!failed) await claimHost(tx, input.host!, input.flavor, input.expectedGeneration);
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
    // Last, under the claim's lock: the scheduler's fence (reconcileTimedOut) waits for this
    // transaction, so a build is either committed before the scheduler looks or never.
    if (input.deadline && Date.now() > input.deadline.getTime()) {
      throw conflict(`the scheduler stopped waiting for this build at ${input.deadline.toISOString()}`, { reason: DEADLINE_PASSED, uuid: input.uuid });
    }
    return instance;
  });
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
