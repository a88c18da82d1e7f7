/** A compute node's capacity and what its running servers use (compute_nodes). */
export interface NodeCapacity {
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  cpuAllocationRatio: number | null;
  ramAllocationRatio: number | null;
  diskAllocationRatio: number | null;
}

/** What servers written on a host but not running yet will use (sums; null when none). */
export interface PendingUse {
  vcpus?: number | null;
  memoryMb?: number | null;
  rootGb?: number | null;
  ephemeralGb?: number | null;
}

export interface FreeCapacity {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/**
 * The instances that hold a host's capacity before the agent counts them in the node's
 * `*_used` (it does when the server runs): written, not deleted, not launched, building.
 * A build that fails (ERROR) or is deleted stops holding it; no release step is needed.
 */
export const PENDING_BUILDS = { deleted: 0, launchedAt: null, vmState: 'building' } as const;

/**
 * Free = capacity × allocation ratio (1.0 when the node sets none) − used − pending.
 * The scheduler ranks hosts by it and the cell's claim checks it under the node's lock,
 * so the two never disagree about what fits.
 */
export function freeCapacity(node: NodeCapacity, pending: PendingUse | null | undefined): FreeCapacity {
  return {
    vcpus: Math.floor(node.vcpus * (node.cpuAllocationRatio ?? 1)) - node.vcpusUsed - (pending?.vcpus ?? 0),
    memoryMb: Math.floor(node.memoryMb * (node.ramAllocationRatio ?? 1)) - node.memoryMbUsed - (pending?.memoryMb ?? 0),
    diskGb:
      Math.floor(node.localGb * (node.diskAllocationRatio ?? 1)) -
      node.localGbUsed -
      (pending?.rootGb ?? 0) -
      (pending?.ephemeralGb ?? 0),
  };
}

/** Whether a server of these sizes fits what is free. */
export function fits(
  free: FreeCapacity,
  need: { vcpus: number; memoryMb: number; rootGb: number; ephemeralGb: number },
): boolean {
  return free.vcpus >= need.vcpus && free.memoryMb >= need.memoryMb && free.diskGb >= need.rootGb + need.ephemeralGb;
}
