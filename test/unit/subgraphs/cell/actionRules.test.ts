import { ruleFor, stateRefusal } from '../../../../subgraphs/cell/actionRules';

describe("Nova's state rules for instance actions", () => {
  it('allows a soft reboot only from active with no task', () => {
    expect(stateRefusal(ruleFor('reboot'), 'active', null)).toBeNull();
    expect(stateRefusal(ruleFor('reboot'), 'stopped', null)).toEqual({ attr: 'vm_state', state: 'stopped' });
    expect(stateRefusal(ruleFor('reboot'), 'active', 'rebooting')).toEqual({ attr: 'task_state', state: 'rebooting' });
  });

  it('allows a hard reboot from stopped, paused, suspended and error, and over a soft reboot', () => {
    for (const vmState of ['active', 'stopped', 'paused', 'suspended', 'error'])
      expect(stateRefusal(ruleFor('reboot', true), vmState, null)).toBeNull();
    expect(stateRefusal(ruleFor('reboot', true), 'active', 'rebooting')).toBeNull();
    expect(stateRefusal(ruleFor('reboot', true), 'building', null)).toEqual({ attr: 'vm_state', state: 'building' });
    expect(stateRefusal(ruleFor('reboot', true), 'active', 'powering-off')).toEqual({
      attr: 'task_state',
      state: 'powering-off',
    });
  });

  it('stops active or error instances and starts stopped ones', () => {
    expect(stateRefusal(ruleFor('stop'), 'error', null)).toBeNull();
    expect(stateRefusal(ruleFor('stop'), 'stopped', null)).toEqual({ attr: 'vm_state', state: 'stopped' });
    expect(stateRefusal(ruleFor('start'), 'stopped', null)).toBeNull();
    expect(stateRefusal(ruleFor('start'), 'active', null)).toEqual({ attr: 'vm_state', state: 'active' });
  });

  it('deletes from any state, even during another task', () => {
    expect(stateRefusal(ruleFor('delete'), 'building', 'spawning')).toBeNull();
    expect(stateRefusal(ruleFor('delete'), 'error', null)).toBeNull();
  });

  it('pairs pause with unpause and suspend with resume', () => {
    expect(stateRefusal(ruleFor('pause'), 'active', null)).toBeNull();
    expect(stateRefusal(ruleFor('unpause'), 'paused', null)).toBeNull();
    expect(stateRefusal(ruleFor('unpause'), 'active', null)).not.toBeNull();
    expect(stateRefusal(ruleFor('suspend'), 'active', null)).toBeNull();
    expect(stateRefusal(ruleFor('resume'), 'suspended', null)).toBeNull();
    expect(stateRefusal(ruleFor('resume'), 'paused', null)).not.toBeNull();
  });

  it('checks the lock for every action but lock and unlock themselves', () => {
    expect(ruleFor('stop').lockChecked).toBe(true);
    expect(ruleFor('delete').lockChecked).toBe(true);
    expect(ruleFor('lock').lockChecked).toBe(false);
    expect(ruleFor('unlock').lockChecked).toBe(false);
  });
});
