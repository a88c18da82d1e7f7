import { statesFromStatus, statusFromState } from '../../../domain/instanceStatus';

describe("Nova's API status from vm_state and task_state", () => {
  it.each([
    ['active', null, 'ACTIVE'],
    ['active', 'rebooting', 'REBOOT'],
    ['active', 'reboot_started', 'REBOOT'],
    ['active', 'rebooting_hard', 'HARD_REBOOT'],
    ['active', 'updating_password', 'PASSWORD'],
    ['active', 'rebuild_spawning', 'REBUILD'],
    ['active', 'migrating', 'MIGRATING'],
    ['active', 'resize_prep', 'RESIZE'],
    ['active', 'powering-off', 'ACTIVE'],
    ['building', 'scheduling', 'BUILD'],
    ['stopped', null, 'SHUTOFF'],
    ['stopped', 'resize_finish', 'RESIZE'],
    ['stopped', 'rebuilding', 'REBUILD'],
    ['resized', null, 'VERIFY_RESIZE'],
    ['resized', 'resize_reverting', 'REVERT_RESIZE'],
    ['paused', null, 'PAUSED'],
    ['paused', 'migrating', 'MIGRATING'],
    ['suspended', null, 'SUSPENDED'],
    ['rescued', null, 'RESCUE'],
    ['error', null, 'ERROR'],
    ['error', 'rebuilding', 'REBUILD'],
    ['deleted', null, 'DELETED'],
    ['soft-delete', null, 'SOFT_DELETED'],
    ['shelved', null, 'SHELVED'],
    ['shelved_offloaded', null, 'SHELVED_OFFLOADED'],
    ['no-such-state', null, 'UNKNOWN'],
    [null, null, 'UNKNOWN'],
  ])('maps vm_state %s with task_state %s to %s', (vmState, taskState, status) => {
    expect(statusFromState(vmState, taskState)).toBe(status);
  });
});

describe('the status filter mapped back to states', () => {
  it('filters ACTIVE on vm_state alone, as Nova does when a default entry matches', () => {
    expect(statesFromStatus(['ACTIVE'])).toEqual({ vmStates: ['active'], taskStates: null });
  });

  it('filters REBOOT on vm_state active and the three soft reboot task states', () => {
    expect(statesFromStatus(['reboot'])).toEqual({
      vmStates: ['active'],
      taskStates: ['reboot_pending', 'reboot_started', 'rebooting'],
    });
  });

  it('finds REBUILD in every vm_state that has it', () => {
    expect(statesFromStatus(['REBUILD']).vmStates).toEqual(['active', 'error', 'stopped']);
  });

  it('returns no vm_state for a status Nova does not know', () => {
    expect(statesFromStatus(['BANANA']).vmStates).toEqual([]);
  });
});
