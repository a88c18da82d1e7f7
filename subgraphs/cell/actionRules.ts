import type { ComputeMethod } from '../../domain/computeMessages';
import { TaskState, VmState } from '../../domain/instanceStatus';

/** The instance actions the cell subgraph offers (Nova's instance_actions.action values). */
export type ActionName =
  'reboot' | 'stop' | 'start' | 'delete' | 'pause' | 'unpause' | 'suspend' | 'resume' | 'lock' | 'unlock';

/** What an action requires of the instance and what it sets, as nova/compute/api.py does. */
export interface ActionRule {
  /** Allowed vm_states; null = any. */
  vmStates: string[] | null;
  /** Allowed task_states (null inside = no task); null = any. */
  taskStates: (string | null)[] | null;
  /** The task_state set before the message is published; null = unchanged. */
  taskState: string | null;
  /** The compute RPC method; null = handled entirely by the cell subgraph. */
  method: ComputeMethod | null;
  /** Subject to Nova's check_instance_lock (locked → refused for non-admins). */
  lockChecked: boolean;
}

const T = TaskState;
const V = VmState;
const NO_TASK = [null];

/** nova/compute/task_states.py ALLOW_REBOOT. */
const ALLOW_REBOOT = [
  null,
  T.REBOOTING,
  T.REBOOT_PENDING,
  T.REBOOT_STARTED,
  T.RESUMING,
  T.REBOOTING_HARD,
  T.UNPAUSING,
  T.PAUSING,
  T.SUSPENDING,
];

export const SOFT_REBOOT: ActionRule = {
  vmStates: [V.ACTIVE],
  taskStates: NO_TASK,
  taskState: T.REBOOTING,
  method: 'reboot_instance',
  lockChecked: true,
};
export const HARD_REBOOT: ActionRule = {
  vmStates: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.ERROR],
  taskStates: ALLOW_REBOOT,
  taskState: T.REBOOTING_HARD,
  method: 'reboot_instance',
  lockChecked: true,
};

/** Every action except reboot, whose rule depends on soft/hard. */
export const ACTION_RULES: Record<Exclude<ActionName, 'reboot'>, ActionRule> = {
  stop: {
    vmStates: [V.ACTIVE, V.ERROR],
    taskStates: NO_TASK,
    taskState: T.POWERING_OFF,
    method: 'stop_instance',
    lockChecked: true,
  },
  start: {
    vmStates: [V.STOPPED],
    taskStates: NO_TASK,
    taskState: T.POWERING_ON,
    method: 'start_instance',
    lockChecked: true,
  },
  // Nova lets delete run from any state, even while another task runs.
  delete: { vmStates: null, taskStates: null, taskState: T.DELETING, method: 'terminate_instance', lockChecked: true },
  pause: {
    vmStates: [V.ACTIVE],
    taskStates: NO_TASK,
    taskState: T.PAUSING,
    method: 'pause_instance',
    lockChecked: true,
  },
  unpause: {
    vmStates: [V.PAUSED],
    taskStates: NO_TASK,
    taskState: T.UNPAUSING,
    method: 'unpause_instance',
    lockChecked: true,
  },
  suspend: {
    vmStates: [V.ACTIVE],
    taskStates: NO_TASK,
    taskState: T.SUSPENDING,
    method: 'suspend_instance',
    lockChecked: true,
  },
  resume: {
    vmStates: [V.SUSPENDED],
    taskStates: NO_TASK,
    taskState: T.RESUMING,
    method: 'resume_instance',
    lockChecked: true,
  },
  lock: { vmStates: null, taskStates: null, taskState: null, method: null, lockChecked: false },
  unlock: { vmStates: null, taskStates: null, taskState: null, method: null, lockChecked: false },
};

/** The rule for `action` (reboot: by `hard`). */
export function ruleFor(action: ActionName, hard = false): ActionRule {
  if (action === 'reboot') return hard ? HARD_REBOOT : SOFT_REBOOT;
  return ACTION_RULES[action];
}

/** Why the state refuses the rule (Nova's InstanceInvalidState attr and state), or null. */
export function stateRefusal(
  rule: ActionRule,
  vmState: string | null,
  taskState: string | null,
): { attr: 'vm_state' | 'task_state'; state: string | null } | null {
  if (rule.vmStates && !rule.vmStates.includes(vmState ?? '')) return { attr: 'vm_state', state: vmState };
  if (rule.taskStates && !rule.taskStates.includes(taskState)) return { attr: 'task_state', state: taskState };
  return null;
}
