import { PowerState, TaskState, VmState } from './instanceStatus';
import type { ComputeMessage, ComputeMethod } from './computeMessages';

/** How one compute method moves an instance, as nova/compute/manager.py leaves it. */
export interface Transition {
  /** Task states the instance may be in when the work finishes (what the API set). */
  expectedTaskStates: string[];
  vmState: string;
  powerState: number;
  /** Compute node usage change: +1 claims the instance's resources, -1 frees them. */
  usage: 1 | -1 | 0;
}

const T = TaskState;

/** The transition for `message` (reboot: by its reboot type). */
export function transitionFor(message: ComputeMessage): Transition {
  const method: ComputeMethod = message.method;
  switch (method) {
    case 'build_and_run_instance':
      return {
        expectedTaskStates: [T.SCHEDULING, T.SPAWNING],
        vmState: VmState.ACTIVE,
        powerState: PowerState.RUNNING,
        usage: 1,
      };
    case 'reboot_instance':
      return message.rebootType === 'HARD'
        ? {
            expectedTaskStates: [T.REBOOTING_HARD, T.REBOOT_PENDING_HARD, T.REBOOT_STARTED_HARD],
            vmState: VmState.ACTIVE,
            powerState: PowerState.RUNNING,
            usage: 0,
          }
        : {
            expectedTaskStates: [T.REBOOTING, T.REBOOT_PENDING, T.REBOOT_STARTED],
            vmState: VmState.ACTIVE,
            powerState: PowerState.RUNNING,
            usage: 0,
          };
    case 'stop_instance':
      return {
        expectedTaskStates: [T.POWERING_OFF],
        vmState: VmState.STOPPED,
        powerState: PowerState.SHUTDOWN,
        usage: 0,
      };
    case 'start_instance':
      return { expectedTaskStates: [T.POWERING_ON], vmState: VmState.ACTIVE, powerState: PowerState.RUNNING, usage: 0 };
    case 'terminate_instance':
      return { expectedTaskStates: [T.DELETING], vmState: VmState.DELETED, powerState: PowerState.NOSTATE, usage: -1 };
    case 'pause_instance':
      return { expectedTaskStates: [T.PAUSING], vmState: VmState.PAUSED, powerState: PowerState.PAUSED, usage: 0 };
    case 'unpause_instance':
      return { expectedTaskStates: [T.UNPAUSING], vmState: VmState.ACTIVE, powerState: PowerState.RUNNING, usage: 0 };
    case 'suspend_instance':
      return {
        expectedTaskStates: [T.SUSPENDING],
        vmState: VmState.SUSPENDED,
        powerState: PowerState.SUSPENDED,
        usage: 0,
      };
    case 'resume_instance':
      return { expectedTaskStates: [T.RESUMING], vmState: VmState.ACTIVE, powerState: PowerState.RUNNING, usage: 0 };
    default: {
      const never: never = method;
      throw new Error(`no transition for ${String(never)}`);
    }
  }
}
