import { randomUUID } from 'node:crypto';
import type { ComputeMessage } from '../../domain/computeMessages';
import { badInput, conflict } from '../../domain/errors';
import { buildOutboxKey, outboxLeaseMs, recordOutbox, settleOutbox, takeBack, type OutboxEntry } from './computeOutbox';
import type { CellContext } from './context';
import { claimHost } from './hostClaim';
import { PublishFailure } from './queue';
import type { InstanceRow } from './rows';
import { PowerState, TaskState, VmState } from '../../domain/instanceStatus';
import { INSTANCE_UPDATE, instanceEvent } from '../../domain/instanceEvents';
import {
  dropHeldNotifications,
  recordNotifications,
  type StagedNotifications,
} from '../../infrastructure/notifications/notificationOutbox';

/** The BuildInstanceInput of the SDL. */
export interface BuildInput {
  uuid: string;
  projectId: string;
  userId: string;
  displayName: string;
  hostname?: string | null;
  host?: string | null;
  node?: string | null;
  flavor: {
    id: string;
    flavorid: string;
    name: string;
    memoryMb: number;
    vcpus: number;
    rootGb: number;
    ephemeralGb: number;
    swap: number;
    extraSpecs?: unknown;
  };
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
 * The scheduler's build entry: a broker that cannot take a message now refuses the build
 * with nothing written (BROKER_UNAVAILABLE); then in one transaction the claim on the
 * host's capacity (hostClaim), the instance, its related rows, its `create` action and
 * its build_and_run_instance message in the outbox (computeOutbox.ts); then the publish
 * to compute.<host> and, on the confirm, the outbox row goes. With a fault (no valid
 * host; cell0) the instance is written in ERROR, nothing is claimed and nothing is
 * published. A failed publish (BROKER_UNAVAILABLE, or HOST_UNAVAILABLE for a host
 * without a queue) deletes what was written and fails, so the scheduler tries an
 * alternate; unless the agent already has the message (its event is there): then the
 * build stands and is answered. If this process dies between the commit and the
 * confirm, the outbox relay publishes the build later (or, if its host refuses it,
 * fails it in ERROR with a fault), so no instance sits in BUILD without its message.
 *
 * The new instance is reported (instance.update) once its build stands: the event is
 * written with the instance, held for the build's message and released after the confirm;
 * a build withdrawn for an alternate takes it along, so no subscriber hears of a server
 * in a cell that does not keep it.
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
  const queue = ctx.cell.queue;
  const message: ComputeMessage | null = input.fault
    ? null
    : {
        method: 'build_and_run_instance',
        instanceUuid: input.uuid,
        requestId,
        host: input.host!,
        sentAt: new Date().toISOString(),
      };
  if (message) await queue.ready({ requestId });
  let written: { row: InstanceRow; entry: OutboxEntry | null; events: StagedNotifications | null };
  try {
    written = await writeInstance(ctx, input, requestId, message, outboxLeaseMs(queue.timeoutMs));
  } catch (err) {
    // A concurrent build of the same uuid won the insert: answer what it wrote.
    if ((err as { code?: string }).code === 'P2002') {
      const raced = await existingInstance(ctx, input.uuid);
      if (raced) return raced;
    }
    throw err;
  }
  const { row, entry, events } = written;
  if (!message || !entry) {
    ctx.cell.events.release(events);
    return row;
  }
  const log = { requestId, uuid: input.uuid };
  try {
    await queue.publish(message, { requestId });
  } catch (err) {
    const withdrawal = await withdrawBuild(ctx, entry).catch((cleanupError) => {
      ctx.cell.logger.error(
        { ...log, err: cleanupError },
        'could not remove an instance whose build was not published; the outbox relay will publish it',
      );
      return 'failed' as const;
    });
    if (withdrawal === 'withdrawn' || withdrawal === 'failed') throw err;
    // The relay holds the row: its notifications wait for it (computeOutbox.ts).
    if (withdrawal === 'delivered') ctx.cell.events.release(events);
    // The agent has it, or the relay took the row over and will deliver (or fail) it: the server is this cell's, not to be built elsewhere.
    ctx.cell.logger.warn(
      { ...log, reason: err instanceof PublishFailure ? err.reason : undefined, withdrawal },
      'the broker did not confirm the build, but it stands',
    );
    return row;
  }
  ctx.cell.events.release(events);
  await settleOutbox(ctx.cell.db, entry).catch((err) =>
    ctx.cell.logger.warn(
      { ...log, err },
      'could not drop a published outbox row; the relay will publish it again (harmless)',
    ),
  );
  return row;
}

// The live instance of that uuid, if this cell already holds it; a deleted one cannot be built again.
async function existingInstance(ctx: CellContext, uuid: string): Promise<InstanceRow | null> {
  const row = await ctx.cell.db.instance.findUnique({ where: { uuid } });
  if (!row) return null;
  if (row.deleted !== 0)
    throw conflict(`instance ${uuid} was deleted in this cell and cannot be built again`, { uuid });
  ctx.cell.logger.info({ uuid }, 'buildInstance: the instance exists already; answering it');
  return row;
}

async function writeInstance(
  ctx: CellContext,
  input: BuildInput,
  requestId: string,
  message: ComputeMessage | null,
  leaseMs: number,
): Promise<{ row: InstanceRow; entry: OutboxEntry | null; events: StagedNotifications | null }> {
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
        keypairs: input.keyName
          ? JSON.stringify([{ name: input.keyName, publicKey: input.keyData ?? null, type: 'ssh' }])
          : null,
      },
    });
    if (input.metadata?.length)
      await tx.instanceMetadata.createMany({
        data: input.metadata.map((m) => ({ instanceUuid: input.uuid, key: m.key, value: m.value ?? null })),
      });
    await tx.instanceSystemMetadata.createMany({
      data: systemMetadata(input).map(([key, value]) => ({ instanceUuid: input.uuid, key, value })),
    });
    if (input.fault) {
      await tx.instanceFault.create({
        data: {
          instanceUuid: input.uuid,
          code: input.fault.code,
          message: input.fault.message.slice(0, 255),
          details: input.fault.details ?? null,
          host: input.host ?? null,
        },
      });
    }
    const action = await tx.instanceAction.create({
      data: {
        action: 'create',
        instanceUuid: input.uuid,
        requestId,
        userId: input.userId,
        projectId: input.projectId,
        startTime: now,
        ...(failed ? { finishTime: now, message: 'Error' } : {}),
      },
    });
    let entry: OutboxEntry | null = null;
    if (message) {
      entry = {
        requestId: buildOutboxKey(input.uuid),
        instanceUuid: input.uuid,
        actionId: action.id,
        message,
        taskState: TaskState.SCHEDULING,
        previousTaskState: null,
        writtenAt: now,
        claim: randomUUID(),
      };
      await recordOutbox(tx, entry, leaseMs);
    }
    const events = ctx.cell.events.stage(
      [
        instanceEvent(instance, {
          cellUuid: ctx.cell.cellUuid,
          eventType: INSTANCE_UPDATE,
          action: null,
          requestId,
          occurredAt: now,
        }),
      ],
      entry?.requestId ?? null,
    );
    await recordNotifications(tx, events);
    // Last, under the claim's lock: the scheduler's fence (reconcileTimedOut) waits for this
    // transaction, so a build is either committed before the scheduler looks or never.
    if (input.deadline && Date.now() > input.deadline.getTime()) {
      throw conflict(`the scheduler stopped waiting for this build at ${input.deadline.toISOString()}`, {
        reason: DEADLINE_PASSED,
        uuid: input.uuid,
      });
    }
    return { row: instance, entry, events };
  });
}

function instanceData(input: BuildInput, failed: boolean) {
  return {
    uuid: input.uuid,
    projectId: input.projectId,
    userId: input.userId,
    displayName: input.displayName,
    hostname:
      input.hostname ??
      input.displayName
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .slice(0, 63),
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

/**
 * After a failed publish: the outbox row and every row the build wrote go, in one
 * transaction, unless the agent already started it (`delivered`) or the relay holds the
 * row (`taken`). The action is locked first, as withdrawAction does, so the agent's
 * event either is seen here or cannot land.
 */
async function withdrawBuild(ctx: CellContext, entry: OutboxEntry): Promise<'withdrawn' | 'delivered' | 'taken'> {
  const uuid = entry.instanceUuid;
  return ctx.cell.db.$transaction(async (tx) => {
    const held = await takeBack(tx, entry);
    if (held === 'delivered' || held === 'taken') return held;
    await dropHeldNotifications(tx, entry.requestId);
    await tx.instanceActionEvent.deleteMany({ where: { action: { instanceUuid: uuid } } });
    await tx.instanceAction.deleteMany({ where: { instanceUuid: uuid } });
    await tx.instanceFault.deleteMany({ where: { instanceUuid: uuid } });
    await tx.instanceSystemMetadata.deleteMany({ where: { instanceUuid: uuid } });
    await tx.instanceMetadata.deleteMany({ where: { instanceUuid: uuid } });
    await tx.instanceExtra.deleteMany({ where: { instanceUuid: uuid } });
    await tx.instanceInfoCache.deleteMany({ where: { instanceUuid: uuid } });
    await tx.instance.deleteMany({ where: { uuid } });
    return 'withdrawn';
  });
}

function validate(input: BuildInput): void {
  if (!UUID.test(input.uuid)) throw badInput('input.uuid', input.uuid, 'a UUID');
  if (!input.displayName.trim() || input.displayName.length > 255)
    throw badInput('input.displayName', input.displayName, '1 to 255 characters');
  if (!/^\d+$/.test(input.flavor.id)) throw badInput('input.flavor.id', input.flavor.id, "the flavor's integer id");
  for (const field of ['memoryMb', 'vcpus', 'rootGb', 'ephemeralGb', 'swap'] as const) {
    const value = input.flavor[field];
    if (!Number.isInteger(value) || value < 0) throw badInput(`input.flavor.${field}`, value, 'a non-negative integer');
  }
  if (!input.fault && !input.host)
    throw badInput(
      'input.host',
      input.host ?? null,
      'a compute host (or a fault for an instance that was not scheduled)',
    );
  for (const [i, m] of (input.metadata ?? []).entries()) {
    if (!m.key || m.key.length > 255) throw badInput(`input.metadata[${i}].key`, m.key, '1 to 255 characters');
    if (m.value != null && m.value.length > 255)
      throw badInput(`input.metadata[${i}].value`, m.value, 'at most 255 characters');
  }
}
