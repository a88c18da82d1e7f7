import { seededUuid } from './deterministic';
import type { PlannedInstance } from './demoFleet';

export interface PlannedAction {
  action: string;
  requestId: string;
  startTime: Date;
  finishTime: Date | null;
  message: string | null;
  events: Array<{ event: string; result: string | null; finishTime: Date | null; traceback: string | null }>;
}

const at = (p: PlannedInstance, minutes: number) => new Date(p.createdAt.getTime() + minutes * 60_000);

function action(
  p: PlannedInstance,
  name: string,
  minutes: number,
  events: string[],
  outcome: 'Success' | 'Error' | null,
): PlannedAction {
  const start = at(p, minutes);
  const finish = outcome === null ? null : at(p, minutes + 1);
  return {
    action: name,
    requestId: `req-${seededUuid(`request:${p.uuid}:${name}`)}`,
    startTime: start,
    finishTime: finish,
    message: outcome === 'Error' ? 'Error' : null,
    events: events.map((event) => ({
      event,
      result: outcome,
      finishTime: finish,
      traceback:
        outcome === 'Error'
          ? 'Traceback (most recent call last):\n  File "nova/compute/manager.py", line 2465, in _build_and_run_instance\nnova.exception.BuildAbortException: Failure prepping block device.\n'
          : null,
    })),
  };
}

/** The instance actions (with events) that led to the instance's state, as `nova instance-action-list` shows them. */
export function plannedActions(p: PlannedInstance): PlannedAction[] {
  const build = 'compute__do_build_and_run_instance';
  switch (p.state) {
    case 'building':
      return [action(p, 'create', 0, [build], null)];
    case 'error':
      return p.host
        ? [action(p, 'create', 0, [build], 'Error')]
        : [action(p, 'create', 0, ['conductor_schedule_and_build_instances'], 'Error')];
    case 'active':
    case 'paused':
    case 'suspended':
      return [
        action(p, 'create', 0, [build], 'Success'),
        ...(p.state === 'active'
          ? []
          : [
              action(
                p,
                p.state === 'paused' ? 'pause' : 'suspend',
                600,
                [`compute_${p.state === 'paused' ? 'pause' : 'suspend'}_instance`],
                'Success',
              ),
            ]),
      ];
    case 'stopped':
      return [action(p, 'create', 0, [build], 'Success'), action(p, 'stop', 300, ['compute_stop_instance'], 'Success')];
    case 'rebooting':
      return [action(p, 'create', 0, [build], 'Success'), action(p, 'reboot', 900, ['compute_reboot_instance'], null)];
    case 'shelved_offloaded':
      return [
        action(p, 'create', 0, [build], 'Success'),
        action(p, 'shelve', 1200, ['compute_shelve_instance', 'compute_shelve_offload_instance'], 'Success'),
      ];
    case 'deleted':
      return [
        action(p, 'create', 0, [build], 'Success'),
        action(p, 'delete', 60 * 24 * 3 - 1, ['compute_terminate_instance'], 'Success'),
      ];
    default: {
      const never: never = p.state;
      throw new Error(`unknown state ${String(never)}`);
    }
  }
}
