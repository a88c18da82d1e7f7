/**
 * The instance states the demo fleet mixes, with the vm_state / task_state /
 * power_state triples Nova really produces for each (nova/compute/vm_states.py,
 * task_states.py, power_state.py) and whether the instance sits on a host.
 */
export type DemoState =
  'active' | 'stopped' | 'error' | 'building' | 'paused' | 'suspended' | 'rebooting' | 'shelved_offloaded' | 'deleted';

export interface StateRow {
  vmState: string;
  taskState: string | null;
  powerState: number;
  onHost: boolean;
  launched: boolean;
}

// power_state values: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 7 SUSPENDED.
export function stateRow(state: DemoState): StateRow {
  switch (state) {
    case 'active':
      return { vmState: 'active', taskState: null, powerState: 1, onHost: true, launched: true };
    case 'stopped':
      return { vmState: 'stopped', taskState: null, powerState: 4, onHost: true, launched: true };
    case 'error':
      return { vmState: 'error', taskState: null, powerState: 0, onHost: true, launched: false };
    case 'building':
      return { vmState: 'building', taskState: 'spawning', powerState: 0, onHost: true, launched: false };
    case 'paused':
      return { vmState: 'paused', taskState: null, powerState: 3, onHost: true, launched: true };
    case 'suspended':
      return { vmState: 'suspended', taskState: null, powerState: 7, onHost: true, launched: true };
    case 'rebooting':
      return { vmState: 'active', taskState: 'rebooting', powerState: 1, onHost: true, launched: true };
    case 'shelved_offloaded':
      return { vmState: 'shelved_offloaded', taskState: null, powerState: 4, onHost: false, launched: true };
    case 'deleted':
      return { vmState: 'deleted', taskState: null, powerState: 0, onHost: true, launched: true };
    default: {
      const never: never = state;
      throw new Error(`unknown demo state ${String(never)}`);
    }
  }
}

/** How often each state appears in the demo fleet. */
export const STATE_WEIGHTS: Array<[DemoState, number]> = [
  ['active', 55],
  ['stopped', 14],
  ['error', 6],
  ['building', 4],
  ['paused', 4],
  ['suspended', 3],
  ['rebooting', 3],
  ['shelved_offloaded', 4],
  ['deleted', 7],
];
