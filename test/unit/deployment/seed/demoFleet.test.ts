import { planDemoFleet } from '../../../../deployment/seed/demoFleet';
import { seededUuid } from '../../../../deployment/seed/deterministic';
import { usageOf } from '../../../../deployment/seed/seedQuotas';
import { DEMO_HOSTS } from '../../../../deployment/seed/catalog';

describe('the demo fleet plan', () => {
  const fleet = planDemoFleet(150);

  it('is the same on every run', () => {
    expect(planDemoFleet(150)).toEqual(fleet);
    expect(seededUuid('x')).toBe(seededUuid('x'));
    expect(seededUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('spreads 150 instances over each cell with hosts and buries two in cell0 without a host', () => {
    expect(fleet.filter((p) => p.cellName === 'cell1')).toHaveLength(150);
    expect(fleet.filter((p) => p.cellName === 'cell2')).toHaveLength(150);
    expect(fleet.filter((p) => p.cellName === 'cell0').map((p) => [p.row.vmState, p.host, p.fault?.message])).toEqual([
      ['error', null, expect.stringContaining('No valid host')],
      ['error', null, expect.stringContaining('No valid host')],
    ]);
    expect(new Set(fleet.map((p) => p.uuid)).size).toBe(fleet.length);
  });

  it('places instances only on their own cell hosts, and private flavors only in projects allowed them', () => {
    for (const p of fleet.filter((i) => i.host)) expect(DEMO_HOSTS[p.cellName]).toContain(p.host);
    for (const p of fleet.filter((i) => !i.flavor.isPublic)) expect(p.flavor.projects).toContain(p.project);
    expect(new Set(fleet.map((p) => p.project))).toEqual(new Set(['demo', 'alt_demo', 'admin']));
  });

  it('has instances that tie on creation time, so sorts must break ties by uuid', () => {
    const times = fleet.filter((p) => p.cellName === 'cell1').map((p) => p.createdAt.getTime());
    expect(new Set(times).size).toBeLessThan(times.length);
  });

  it('counts usage from live instances only', () => {
    const usage = usageOf(fleet);
    const instances = usage.filter((u) => u.resource === 'instances').reduce((sum, u) => sum + u.inUse, 0);
    expect(instances).toBe(fleet.filter((p) => p.state !== 'deleted').length);
  });

  it('counts the servers buried in cell0 as instances without cores or ram, as the boot path does', () => {
    const buried = fleet.filter((p) => p.cellName === 'cell0' && p.state !== 'deleted');
    expect(buried.length).toBeGreaterThan(0);
    const hosted = fleet.filter((p) => p.cellName !== 'cell0' && p.state !== 'deleted');
    const total = (resource: string) =>
      usageOf(fleet)
        .filter((u) => u.resource === resource)
        .reduce((sum, u) => sum + u.inUse, 0);
    expect(total('cores')).toBe(hosted.reduce((sum, p) => sum + p.flavor.vcpus, 0));
    expect(total('ram')).toBe(hosted.reduce((sum, p) => sum + p.flavor.memoryMb, 0));
  });
});
