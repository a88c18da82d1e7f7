import { randomUUID } from 'node:crypto';

/** A flavor the bench writes into the API database; instances point at it by id. */
export interface BenchFlavor {
  id: number;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
}

export const BENCH_FLAVORS: BenchFlavor[] = [
  { id: 1, name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1 },
  { id: 2, name: 'm1.small', vcpus: 1, memoryMb: 2048, rootGb: 20 },
  { id: 3, name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 40 },
  { id: 4, name: 'm1.large', vcpus: 4, memoryMb: 8192, rootGb: 80 },
  { id: 5, name: 'm1.xlarge', vcpus: 8, memoryMb: 16384, rootGb: 160 },
];

/** One generated instance: what the bulk insert writes for it in every table. */
export interface BenchInstance {
  uuid: string;
  /** Unique across the whole fleet (the position in the merged order, oldest first). */
  serial: number;
  projectId: string;
  userId: string;
  displayName: string;
  host: string;
  createdAt: Date;
  vmState: 'active' | 'stopped' | 'error';
  flavor: BenchFlavor;
  accessIpV4: string;
  /** Instances in ERROR carry a fault, as Nova records one when a build fails. */
  faulted: boolean;
}

export const BENCH_PROJECTS = 20;
const HOSTS_PER_CELL = 8;
const BASE = Date.UTC(2026, 0, 1);

/**
 * The instances of cell `slot` of `slots`: created_at steps by `slots` seconds from a
 * per-cell offset, so the newest-first order interleaves every cell row by row (the
 * merge's hardest case: each page takes an even share from every cell).
 */
export function fleetInstances(slot: number, slots: number, count: number): BenchInstance[] {
  const rows: BenchInstance[] = [];
  for (let i = 0; i < count; i++) {
    const project = `project-${i % BENCH_PROJECTS}`;
    const vmState = i % 10 === 0 ? 'error' : i % 7 === 0 ? 'stopped' : 'active';
    const serial = i * slots + slot;
    rows.push({
      uuid: randomUUID(),
      serial,
      projectId: project,
      userId: `${project}-user`,
      displayName: `vm-c${slot}-${String(i).padStart(6, '0')}`,
      host: `c${slot}-compute${i % HOSTS_PER_CELL}`,
      createdAt: new Date(BASE + serial * 1000),
      vmState,
      flavor: BENCH_FLAVORS[i % BENCH_FLAVORS.length],
      accessIpV4: `10.${slot % 256}.${(i >> 8) & 255}.${i & 255}`,
      faulted: vmState === 'error',
    });
  }
  return rows;
}
