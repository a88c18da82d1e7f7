import type { ComputeMethod } from './computeMessages';
import { isUuid } from './inputText';
import { statusFromState } from './instanceStatus';

/**
 * Live instance events, as Nova's versioned notifications: what the cell subgraph and the
 * compute agent publish on their cell's vhost after a change commits, and what the
 * gateway consumes and serves as `Subscription.instanceEvents`.
 *
 * Wire format (version 1): a persistent JSON message on the durable topic exchange
 * `cells.notifications`, routing key = eventType.
 */

/** The topic exchange every cell's notifications go to, on that cell's vhost. */
export const NOTIFICATIONS_EXCHANGE = 'cells.notifications';
/** The binding that takes every instance event. */
export const INSTANCE_EVENTS_BINDING = 'instance.#';
export const INSTANCE_UPDATE = 'instance.update';

/** One instance event as it travels from a cell to the gateway. */
export interface InstanceEventMessage {
  version: 1;
  /** `instance.update` or `instance.<notification name>.start|end|error`, also the routing key. */
  eventType: string;
  cellUuid: string;
  instanceUuid: string;
  projectId: string | null;
  userId: string | null;
  /** Nova's API status after the change. */
  status: string;
  vmState: string | null;
  taskState: string | null;
  powerState: number | null;
  host: string | null;
  /** The instance action (reboot, stop, create, lock, …); null for instance.update. */
  action: string | null;
  requestId: string | null;
  /** When the change was made (the writer's clock), ISO-8601 with milliseconds. */
  occurredAt: string;
}

/** The phase of an action an event reports, as Nova names them. */
export type ActionPhase = 'start' | 'end' | 'error';

/**
 * Nova's notification name for an instance action: `stop` is `power_off`, `start`
 * `power_on`; the others are the action's own name (`reboot`, `delete`, `create`, …).
 */
export function notificationName(action: string): string {
  switch (action) {
    case 'stop':
      return 'power_off';
    case 'start':
      return 'power_on';
    default:
      return action;
  }
}

/** The instance action a compute method carries out (for an action row that does not name it). */
export function actionOfMethod(method: ComputeMethod): string {
  switch (method) {
    case 'build_and_run_instance':
      return 'create';
    case 'terminate_instance':
      return 'delete';
    default:
      return method.replace(/_instance$/, '');
  }
}

/** `instance.<notification name>.<phase>`, e.g. instance.power_off.end. */
export function actionEventType(action: string, phase: ActionPhase): string {
  return `instance.${notificationName(action)}.${phase}`;
}

/** What an event needs from an instance row (the cell database's `instances`). */
export interface InstanceState {
  uuid: string;
  projectId: string | null;
  userId: string | null;
  vmState: string | null;
  taskState: string | null;
  powerState: number | null;
  host: string | null;
}

/** The event for `instance` as it is after a change (one committed at `occurredAt`). */
export function instanceEvent(
  instance: InstanceState,
  what: { cellUuid: string; eventType: string; action: string | null; requestId: string | null; occurredAt: Date },
): InstanceEventMessage {
  return {
    version: 1,
    eventType: what.eventType,
    cellUuid: what.cellUuid,
    instanceUuid: instance.uuid,
    projectId: instance.projectId,
    userId: instance.userId,
    status: statusFromState(instance.vmState, instance.taskState),
    vmState: instance.vmState,
    taskState: instance.taskState,
    powerState: instance.powerState,
    host: instance.host,
    action: what.action,
    requestId: what.requestId,
    occurredAt: what.occurredAt.toISOString(),
  };
}

/** An action that happens at once in the cell (lock, unlock, a local delete): its start and its end together. */
export function instantAction(
  instance: InstanceState,
  what: { cellUuid: string; action: string; requestId: string; occurredAt: Date },
): InstanceEventMessage[] {
  return (['start', 'end'] as const).map((phase) =>
    instanceEvent(instance, { ...what, eventType: actionEventType(what.action, phase) }),
  );
}

const EVENT_TYPE = /^instance\.[a-z_]+(\.(start|end|error))?$/;
const MAX_TEXT = 255;

/**
 * Reads a delivered event; an Error (never a throw) for anything that is not a version-1
 * instance event. The gateway trusts nothing it did not check: every field has its type,
 * uuids are uuids and text is bounded, so a malformed message is dropped, not served.
 */
export function parseInstanceEventMessage(body: Buffer | string): InstanceEventMessage | Error {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return new Error('event is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return new Error('event is not an object');
  const m = value as Record<string, unknown>;
  if (m.version !== 1) return new Error(`unknown event version ${JSON.stringify(m.version)}`);
  if (typeof m.eventType !== 'string' || !EVENT_TYPE.test(m.eventType))
    return new Error(`unknown event type ${JSON.stringify(m.eventType)?.slice(0, 80)}`);
  for (const key of ['cellUuid', 'instanceUuid'] as const)
    if (!isUuid(m[key])) return new Error(`event ${key} is not a uuid`);
  if (typeof m.status !== 'string' || m.status.length > MAX_TEXT) return new Error('event status is not text');
  for (const key of ['projectId', 'userId', 'vmState', 'taskState', 'host', 'action', 'requestId'] as const) {
    const field = m[key];
    if (field !== null && field !== undefined && (typeof field !== 'string' || field.length > MAX_TEXT))
      return new Error(`event ${key} is not text`);
  }
  if (m.powerState !== null && m.powerState !== undefined && !Number.isSafeInteger(m.powerState))
    return new Error('event powerState is not an integer');
  if (typeof m.occurredAt !== 'string' || Number.isNaN(Date.parse(m.occurredAt)))
    return new Error('event occurredAt is not a timestamp');
  const text = (key: string) => (m[key] as string | null | undefined) ?? null;
  return {
    version: 1,
    eventType: m.eventType,
    cellUuid: m.cellUuid as string,
    instanceUuid: m.instanceUuid as string,
    projectId: text('projectId'),
    userId: text('userId'),
    status: m.status,
    vmState: text('vmState'),
    taskState: text('taskState'),
    powerState: (m.powerState as number | null | undefined) ?? null,
    host: text('host'),
    action: text('action'),
    requestId: text('requestId'),
    occurredAt: new Date(m.occurredAt).toISOString(),
  };
}
