import {
  actionEventType,
  actionOfMethod,
  instanceEvent,
  instantAction,
  parseInstanceEventMessage,
} from '../../../domain/instanceEvents';

const UUID = '6d9f0b5e-1111-4000-8000-000000000001';
const CELL = '6d9f0b5e-2222-4000-8000-000000000002';
const instance = {
  uuid: UUID,
  projectId: 'demo',
  userId: 'u1',
  vmState: 'active',
  taskState: 'rebooting',
  powerState: 1,
  host: 'compute1',
};

describe('instance events, as Nova names and versions them', () => {
  it("uses Nova's notification names for actions", () => {
    expect(actionEventType('stop', 'end')).toBe('instance.power_off.end');
    expect(actionEventType('start', 'start')).toBe('instance.power_on.start');
    expect(actionEventType('reboot', 'error')).toBe('instance.reboot.error');
    expect(actionEventType('create', 'end')).toBe('instance.create.end');
    expect(actionOfMethod('build_and_run_instance')).toBe('create');
    expect(actionOfMethod('terminate_instance')).toBe('delete');
    expect(actionOfMethod('unpause_instance')).toBe('unpause');
  });

  it("carries the instance's state after the change, its API status included", () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    expect(
      instanceEvent(instance, {
        cellUuid: CELL,
        eventType: 'instance.update',
        action: null,
        requestId: 'req-1',
        occurredAt: at,
      }),
    ).toEqual({
      version: 1,
      eventType: 'instance.update',
      cellUuid: CELL,
      instanceUuid: UUID,
      projectId: 'demo',
      userId: 'u1',
      status: 'REBOOT',
      vmState: 'active',
      taskState: 'rebooting',
      powerState: 1,
      host: 'compute1',
      action: null,
      requestId: 'req-1',
      occurredAt: '2026-03-01T10:00:00.000Z',
    });
    expect(
      instantAction(instance, { cellUuid: CELL, action: 'lock', requestId: 'r', occurredAt: at }).map(
        (e) => e.eventType,
      ),
    ).toEqual(['instance.lock.start', 'instance.lock.end']);
  });

  it('reads back what it writes, and refuses anything else without throwing', () => {
    const written = instanceEvent(instance, {
      cellUuid: CELL,
      eventType: 'instance.reboot.end',
      action: 'reboot',
      requestId: null,
      occurredAt: new Date(0),
    });
    expect(parseInstanceEventMessage(Buffer.from(JSON.stringify(written)))).toEqual(written);
    const bad = (change: Record<string, unknown>) =>
      parseInstanceEventMessage(JSON.stringify({ ...written, ...change }));
    expect(parseInstanceEventMessage('{')).toBeInstanceOf(Error);
    expect(parseInstanceEventMessage('[]')).toBeInstanceOf(Error);
    expect(bad({ version: 2 })).toBeInstanceOf(Error);
    expect(bad({ eventType: 'compute.instance.update' })).toBeInstanceOf(Error);
    expect(bad({ instanceUuid: 'nope' })).toBeInstanceOf(Error);
    expect(bad({ projectId: 42 })).toBeInstanceOf(Error);
    expect(bad({ host: 'x'.repeat(256) })).toBeInstanceOf(Error);
    expect(bad({ powerState: 1.5 })).toBeInstanceOf(Error);
    expect(bad({ occurredAt: 'yesterday' })).toBeInstanceOf(Error);
  });
});
