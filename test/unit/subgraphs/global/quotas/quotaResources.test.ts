import { DEFAULT_LIMITS, validLimits } from '../../../../../subgraphs/global/quotas/quotaResources';

describe('quota limit input', () => {
  it('knows Nova’s defaults for the resources the issue names', () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      instances: 10,
      cores: 20,
      ram: 51200,
      key_pairs: 100,
      metadata_items: 128,
      security_groups: 10,
      security_group_rules: 20,
      server_groups: 10,
    });
  });

  it('accepts -1 (unlimited), 0 and positive limits', () => {
    const limits = [
      { resource: 'ram', limit: -1 },
      { resource: 'cores', limit: 0 },
      { resource: 'instances', limit: 5 },
    ];
    expect(validLimits(limits)).toEqual(limits);
  });

  it.each([
    [[{ resource: 'ram', limit: -5 }], 'limits[0].limit'],
    [[{ resource: 'ram', limit: 1.5 }], 'limits[0].limit'],
    [
      [
        { resource: 'ram', limit: 1 },
        { resource: 'gpus', limit: 1 },
      ],
      'limits[1].resource',
    ],
  ])('refuses %j naming %s', (limits, field) => {
    expect(() => validLimits(limits)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field }) }),
    );
  });
});
