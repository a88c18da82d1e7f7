/**
 * Nova's API status, derived from (vm_state, task_state) exactly as
 * nova/api/openstack/common.py `_STATE_MAP` does, and the reverse mapping the
 * `status` filter uses (`task_and_vm_state_from_status`).
 */

/** The vm_state column's values (nova/compute/vm_states.py). */
export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;

/** The task_state column's values used here (nova/compute/task_states.py). */
export const TaskState = {
  SCHEDULING: 'scheduling',
  SPAWNING: 'spawning',
  REBOOTING: 'rebooting',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  UPDATING_PASSWORD: 'updating_password',
  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  DELETING: 'deleting',
} as const;

const DEFAULT = 'default';
const T = TaskState;
const REBUILD = {
  [T.REBUILDING]: 'REBUILD',
  [T.REBUILD_BLOCK_DEVICE_MAPPING]: 'REBUILD',
  [T.REBUILD_SPAWNING]: 'REBUILD',
};
const RESIZE = {
  [T.RESIZE_PREP]: 'RESIZE',
  [T.RESIZE_MIGRATING]: 'RESIZE',
  [T.RESIZE_MIGRATED]: 'RESIZE',
  [T.RESIZE_FINISH]: 'RESIZE',
};

/** vm_state → (task_state | 'default') → status, as in Nova. */
export const STATE_MAP: Record<string, Record<string, string>> = {
  [VmState.ACTIVE]: {
    [DEFAULT]: 'ACTIVE',
    [T.REBOOTING]: 'REBOOT',
    [T.REBOOT_PENDING]: 'REBOOT',
    [T.REBOOT_STARTED]: 'REBOOT',
    [T.REBOOTING_HARD]: 'HARD_REBOOT',
    [T.REBOOT_PENDING_HARD]: 'HARD_REBOOT',
    [T.REBOOT_STARTED_HARD]: 'HARD_REBOOT',
    [T.UPDATING_PASSWORD]: 'PASSWORD',
    ...REBUILD,
    [T.MIGRATING]: 'MIGRATING',
    ...RESIZE,
  },
  [VmState.BUILDING]: { [DEFAULT]: 'BUILD' },
  [VmState.STOPPED]: { [DEFAULT]: 'SHUTOFF', ...RESIZE, ...REBUILD },
  [VmState.RESIZED]: { [DEFAULT]: 'VERIFY_RESIZE', [T.RESIZE_REVERTING]: 'REVERT_RESIZE' },
  [VmState.PAUSED]: { [DEFAULT]: 'PAUSED', [T.MIGRATING]: 'MIGRATING' },
  [VmState.SUSPENDED]: { [DEFAULT]: 'SUSPENDED' },
  [VmState.RESCUED]: { [DEFAULT]: 'RESCUE' },
  [VmState.ERROR]: { [DEFAULT]: 'ERROR', ...REBUILD },
  [VmState.DELETED]: { [DEFAULT]: 'DELETED' },
  [VmState.SOFT_DELETED]: { [DEFAULT]: 'SOFT_DELETED' },
  [VmState.SHELVED]: { [DEFAULT]: 'SHELVED' },
  [VmState.SHELVED_OFFLOADED]: { [DEFAULT]: 'SHELVED_OFFLOADED' },
};

/** Nova's `status_from_state`: unknown vm_state → UNKNOWN, unknown task_state → the default. */
export function statusFromState(vmState: string | null | undefined, taskState: string | null | undefined): string {
  const taskMap = (vmState && STATE_MAP[vmState]) || { [DEFAULT]: 'UNKNOWN' };
  return (taskState && taskMap[taskState]) || taskMap[DEFAULT];
}

/**
 * Nova's `task_and_vm_state_from_status`: the vm_states and task_states whose status is
 * one of `statuses`. `taskStates` is null when a 'default' entry matched, because Nova
 * then filters on vm_state alone (so status ACTIVE also lists rebooting instances).
 */
export function statesFromStatus(statuses: string[]): { vmStates: string[]; taskStates: string[] | null } {
  const wanted = new Set(statuses.map((s) => s.trim().toLowerCase()));
  const vmStates = new Set<string>();
  const taskStates = new Set<string>();
  for (const [vmState, taskMap] of Object.entries(STATE_MAP)) {
    for (const [taskState, status] of Object.entries(taskMap)) {
      if (!wanted.has(status.toLowerCase())) continue;
      vmStates.add(vmState);
      taskStates.add(taskState);
    }
  }
  return { vmStates: [...vmStates].sort(), taskStates: taskStates.has(DEFAULT) ? null : [...taskStates].sort() };
}

/** nova/compute/power_state.py names, by the integer stored in power_state. */
export const POWER_STATE_NAMES: Record<number, string> = {
  0: 'NOSTATE',
  1: 'RUNNING',
  3: 'PAUSED',
  4: 'SHUTDOWN',
  6: 'CRASHED',
  7: 'SUSPENDED',
};

export const PowerState = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
