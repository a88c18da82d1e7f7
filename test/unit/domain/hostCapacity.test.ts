import { fits, freeCapacity } from '../../../domain/hostCapacity';

describe('free host capacity, as the scheduler ranks it and the claim checks it', () => {
  const node = {
    vcpus: 4,
    memoryMb: 8192,
    localGb: 100,
    vcpusUsed: 1,
    memoryMbUsed: 1024,
    localGbUsed: 10,
    cpuAllocationRatio: null,
    ramAllocationRatio: null,
    diskAllocationRatio: null,
  };

  it('is capacity minus used minus builds not yet running', () => {
    expect(freeCapacity(node, { vcpus: 2, memoryMb: 2048, rootGb: 20, ephemeralGb: 5 })).toEqual({
      vcpus: 1,
      memoryMb: 5120,
      diskGb: 65,
    });
    expect(freeCapacity(node, null)).toEqual({ vcpus: 3, memoryMb: 7168, diskGb: 90 });
  });

  it('multiplies capacity by the allocation ratios, rounding down', () => {
    expect(
      freeCapacity({ ...node, cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1.01 }, null),
    ).toEqual({ vcpus: 63, memoryMb: 11264, diskGb: 91 });
  });

  it('fits a server only when every resource has room, root and ephemeral disk together', () => {
    const free = { vcpus: 2, memoryMb: 1024, diskGb: 20 };
    expect(fits(free, { vcpus: 2, memoryMb: 1024, rootGb: 15, ephemeralGb: 5 })).toBe(true);
    expect(fits(free, { vcpus: 3, memoryMb: 512, rootGb: 1, ephemeralGb: 0 })).toBe(false);
    expect(fits(free, { vcpus: 1, memoryMb: 512, rootGb: 15, ephemeralGb: 6 })).toBe(false);
  });
});
