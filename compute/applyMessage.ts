import type { Instance } from '../prisma/cell/generated/client';
import type { CellClient } from '../prisma/clients';
import { TaskState } from '../domain/instanceStatus';
import { eventName, type ComputeMessage } from '../domain/computeMessages';
import { transitionFor, type Transition } from '../domain/transitions';
import {
  actionEventType,
  actionOfMethod,
  INSTANCE_UPDATE,
  instanceEvent,
  type InstanceEventMessage,
} from '../domain/instanceEvents';
import {
  recordNotifications,
  type NotificationOutbox,
  type StagedNotifications,
} from '../infrastructure/notifications/notificationOutbox';

/** What became of one message: applied, already applied earlier (redelivery), or nothing to do. */
export type ApplyOutcome =
  | { kind: 'applied'; result: 'Success' | 'Error'; instance: Instance | null }
  | { kind: 'duplicate' }
  | { kind: 'orphan'; reason: string };

export interface ApplyOptions {
  /** How long the "hypervisor" takes, between the start and finish events. */
  delayMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Where the agent's notifications go (instance.<action>.start, .end or .error, instance.update); unset: none. */
  events?: { outbox: NotificationOutbox; cellUuid: string };
}

/**
 * Applies one compute message to the cell database as nova-compute would: a start
 * event, the work (a delay), then in ONE transaction the instance's new state, the
 * finished event and action, and the node's usage. Idempotent by request id: the
 * finish only happens if the event is not finished yet, so a redelivery is a no-op.
 *
 * Each step reports itself, as nova-compute's notifications do, in the transaction that
 * makes it: instance.<action>.start with the start event, then instance.update and
 * instance.<action>.end with the new state (or instance.<action>.error when the work is
 * refused). They are published after the commit (NotificationOutbox).
 */
export async function applyMessage(
  db: CellClient,
  message: ComputeMessage,
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  const action = await db.instanceAction.findUnique({
    where: { instanceUuid_requestId: { instanceUuid: message.instanceUuid, requestId: message.requestId } },
  });
  // No action: the API rolled it back after a failed publish, so the request never happened.
  if (!action) return { kind: 'orphan', reason: `no instance action ${message.requestId} for ${message.instanceUuid}` };
  const name = eventName(message.method);
  const report = reporter(options, action.action ?? actionOfMethod(message.method), message.requestId);
  const found = await db.instanceActionEvent.findFirst({
    where: { actionId: action.id, event: name },
    orderBy: { id: 'asc' },
  });
  if (found && !found.finishTime && message.method === 'build_and_run_instance') await spawning(db, message);
  const event = found ?? (await startEvent(db, action.id, name, message, report));
  // The API withdrew the action while we were starting it (its publish failed): it never happened.
  if (!event)
    return { kind: 'orphan', reason: `instance action ${message.requestId} for ${message.instanceUuid} was withdrawn` };
  if (event.finishTime) return { kind: 'duplicate' };
  await (options.sleep ?? sleep)(options.delayMs);
  const transition = transitionFor(message);
  const { outcome, staged } = await db.$transaction(async (tx) => {
    const now = new Date();
    const finished = await tx.instanceActionEvent.updateMany({
      where: { id: event.id, finishTime: null },
      data: { finishTime: now, updatedAt: now },
    });
    if (finished.count !== 1) return { outcome: { kind: 'duplicate' as const }, staged: null };
    const instance = await tx.instance.findUnique({ where: { uuid: message.instanceUuid } });
    const refusal = refusalOf(instance, transition);
    if (refusal || !instance) {
      await tx.instanceActionEvent.update({
        where: { id: event.id },
        data: { result: 'Error', traceback: refusal ?? 'instance not found', host: message.host },
      });
      await tx.instanceAction.update({
        where: { id: action.id },
        data: { finishTime: now, message: 'Error', updatedAt: now },
      });
      const staged = instance ? report.stage([report.event(instance, 'error', now)]) : null;
      await recordNotifications(tx, staged);
      return { outcome: { kind: 'applied' as const, result: 'Error' as const, instance }, staged };
    }
    const updated = await tx.instance.update({
      where: { id: instance.id },
      data: instanceChange(instance, message, transition, now),
    });
    await tx.instanceActionEvent.update({ where: { id: event.id }, data: { result: 'Success', host: message.host } });
    await tx.instanceAction.update({ where: { id: action.id }, data: { finishTime: now, updatedAt: now } });
    if (transition.usage !== 0 && (transition.usage === 1 || instance.launchedAt)) {
      const sign = transition.usage;
      const host = instance.host ?? message.host;
      await tx.computeNode.updateMany({
        where: { host, deleted: 0 },
        data: {
          vcpusUsed: { increment: sign * (instance.vcpus ?? 0) },
          memoryMbUsed: { increment: sign * (instance.memoryMb ?? 0) },
          localGbUsed: { increment: sign * ((instance.rootGb ?? 0) + (instance.ephemeralGb ?? 0)) },
          runningVms: { increment: sign },
          updatedAt: now,
        },
      });
    }
    if (message.method === 'terminate_instance') await releaseResources(tx, instance.uuid, now);
    const staged = report.stage([report.event(updated, 'update', now), report.event(updated, 'end', now)]);
    await recordNotifications(tx, staged);
    return { outcome: { kind: 'applied' as const, result: 'Success' as const, instance: updated }, staged };
  });
  report.release(staged);
  return outcome;
}

/**
 * The start event, or null when the action is gone. A withdrawal locks the action row and
 * deletes it unless it has an event, so this insert either lands first (and the action
 * stands) or waits and then finds no action to belong to (a foreign-key failure, P2003).
 * A build's task state moves to spawning, and instance.<action>.start is written, with it.
 */
async function startEvent(db: CellClient, actionId: number, event: string, message: ComputeMessage, report: Reporter) {
  try {
    const { started, staged } = await db.$transaction(async (tx) => {
      const now = new Date();
      const started = await tx.instanceActionEvent.create({
        data: { actionId, event, startTime: now, host: message.host },
      });
      if (message.method === 'build_and_run_instance') await spawning(tx, message);
      const instance = await tx.instance.findUnique({ where: { uuid: message.instanceUuid } });
      const staged = instance ? report.stage([report.event(instance, 'start', now)]) : null;
      await recordNotifications(tx, staged);
      return { started, staged };
    });
    report.release(staged);
    return started;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'P2003') return null;
    throw err;
  }
}

// nova-compute's build: the scheduler's task state becomes spawning once the host starts.
async function spawning(db: Tx | CellClient, message: ComputeMessage): Promise<void> {
  await db.instance.updateMany({
    where: { uuid: message.instanceUuid, taskState: TaskState.SCHEDULING },
    data: { taskState: TaskState.SPAWNING, updatedAt: new Date() },
  });
}

/** How one message's steps are reported: its action's events, staged in the agent's outbox. */
interface Reporter {
  event(instance: Instance, phase: 'start' | 'end' | 'error' | 'update', at: Date): InstanceEventMessage;
  stage(events: InstanceEventMessage[]): StagedNotifications | null;
  release(staged: StagedNotifications | null): void;
}

function reporter(options: ApplyOptions, action: string, requestId: string): Reporter {
  const events = options.events;
  return {
    event: (instance, phase, at) =>
      instanceEvent(instance, {
        cellUuid: events?.cellUuid ?? '',
        eventType: phase === 'update' ? INSTANCE_UPDATE : actionEventType(action, phase),
        action: phase === 'update' ? null : action,
        requestId,
        occurredAt: at,
      }),
    stage: (staged) => events?.outbox.stage(staged) ?? null,
    release: (staged) => events?.outbox.release(staged),
  };
}

type Tx = Parameters<Parameters<CellClient['$transaction']>[0]>[0];

// Nova's expected_task_state: work that finishes after someone else took over the instance is not applied.
function refusalOf(instance: Instance | null, transition: Transition): string | null {
  if (!instance) return 'instance not found';
  if (instance.deleted !== 0) return `instance ${instance.uuid} is already deleted`;
  if (!transition.expectedTaskStates.includes(instance.taskState ?? '')) {
    return `UnexpectedTaskStateError: expected task_state ${transition.expectedTaskStates.join(' or ')}, found ${instance.taskState ?? 'None'}`;
  }
  return null;
}

function instanceChange(instance: Instance, message: ComputeMessage, transition: Transition, now: Date) {
  const base = { vmState: transition.vmState, taskState: null, powerState: transition.powerState, updatedAt: now };
  switch (message.method) {
    case 'build_and_run_instance':
      return {
        ...base,
        launchedAt: now,
        host: message.host,
        node: instance.node ?? message.host,
        launchedOn: message.host,
        progress: 100,
      };
    case 'terminate_instance':
      // Nova's soft delete: deleted = id keeps unique constraints free for a new row.
      return { ...base, deleted: instance.id, deletedAt: now, terminatedAt: now };
    case 'reboot_instance':
    case 'stop_instance':
    case 'start_instance':
    case 'pause_instance':
    case 'unpause_instance':
    case 'suspend_instance':
    case 'resume_instance':
      return base;
    default: {
      const never: never = message.method;
      throw new Error(`no change for ${String(never)}`);
    }
  }
}

// What nova-compute frees with the guest: its disks' mappings and its ports.
async function releaseResources(tx: Tx, uuid: string, now: Date): Promise<void> {
  const live = { instanceUuid: uuid, deleted: 0 };
  const bdms = await tx.blockDeviceMapping.findMany({ where: live, select: { id: true } });
  for (const bdm of bdms)
    await tx.blockDeviceMapping.update({ where: { id: bdm.id }, data: { deleted: bdm.id, deletedAt: now } });
  const vifs = await tx.virtualInterface.findMany({ where: live, select: { id: true } });
  for (const vif of vifs)
    await tx.virtualInterface.update({ where: { id: vif.id }, data: { deleted: vif.id, deletedAt: now } });
  await tx.pciDevice.updateMany({
    where: { instanceUuid: uuid },
    data: { instanceUuid: null, status: 'available', updatedAt: now },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
