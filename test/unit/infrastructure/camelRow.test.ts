import { camelRow, camelRows } from '../../../infrastructure/camelRow';

describe('camelRow and camelRows', () => {
  it('renames every snake_case column and keeps every value as it is', () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    const row = { uuid: 'u1', project_id: 'p1', created_at: when, power_state: null, access_ip_v4: '10.0.0.1' };
    const expected = { uuid: 'u1', projectId: 'p1', createdAt: when, powerState: null, accessIpV4: '10.0.0.1' };
    expect(camelRow(row)).toEqual(expected);
    expect(camelRows([row, { ...row, uuid: 'u2' }])).toEqual([expected, { ...expected, uuid: 'u2' }]);
    expect((camelRows([row])[0] as { createdAt: Date }).createdAt).toBe(when);
  });

  it('maps each column list by its own names, and nothing for no rows', () => {
    expect(camelRows([{ instance_uuid: 'a', key: 'k' }])).toEqual([{ instanceUuid: 'a', key: 'k' }]);
    expect(camelRows([{ instance_uuid: 'a', value: 'v' }])).toEqual([{ instanceUuid: 'a', value: 'v' }]);
    expect(camelRows([])).toEqual([]);
  });

  it('takes any column name as a name, never as code', () => {
    const odd = { 'a"b': 1, "c'); throw new Error('x": 2, 'd\\e': 3 };
    expect(camelRow(odd)).toEqual(odd);
  });
});
