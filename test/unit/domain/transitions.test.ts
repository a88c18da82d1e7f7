import { transitionFor } from '../../../domain/transitions';
import type { ComputeMessage } from '../../../domain/computeMessages';

const message = (method: ComputeMessage['method'], rebootType?: 'SOFT' | 'HARD'): ComputeMessage => ({
  method,
  instanceUuid: 'u',
  requestId: 'r',
  host: 'h',
  sentAt: '',
  rebootType,
});

describe('what each compute method leaves behind', () => {
  it('finishes a soft reboot only from a soft reboot task and a hard one from a hard one', () => {
    expect(transitionFor(message('reboot_instance', 'SOFT')).expectedTaskStates).toContain('rebooting');
    expect(transitionFor(message('reboot_instance', 'HARD')).expectedTaskStates).toEqual([
      'rebooting_hard',
      'reboot_pending_hard',
      'reboot_started_hard',
    ]);
  });

  it('claims resources on build and frees them on terminate', () => {
    expect(transitionFor(message('build_and_run_instance'))).toMatchObject({
      vmState: 'active',
      powerState: 1,
      usage: 1,
    });
    expect(transitionFor(message('terminate_instance'))).toMatchObject({
      vmState: 'deleted',
      powerState: 0,
      usage: -1,
    });
  });

  it.each([
    ['stop_instance', 'stopped', 4],
    ['start_instance', 'active', 1],
    ['pause_instance', 'paused', 3],
    ['unpause_instance', 'active', 1],
    ['suspend_instance', 'suspended', 7],
    ['resume_instance', 'active', 1],
  ] as const)('leaves %s in vm_state %s with power state %d', (method, vmState, powerState) => {
    expect(transitionFor(message(method))).toMatchObject({ vmState, powerState, usage: 0 });
  });
});
