import type { Prisma } from '../../prisma/cell/generated/client';
import { cellsError, conflict, ErrorCode } from '../../domain/errors';
import { fits, freeCapacity, PENDING_BUILDS, type NodeCapacity } from '../../domain/hostCapacity';

/** Why a build's claim on its host failed, as `extensions.reason` says it. */
export const ClaimRefusal = {
  /** The node changed since the scheduler read it: look again (Placement's generation conflict). */
  CLAIM_CONFLICT: 'CLAIM_CONFLICT',
  /** The node has no room left for the flavor. */
  HOST_FULL: 'HOST_FULL',
} as const;

export interface ClaimNeed {
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
}

interface LockedNode extends NodeCapacity {
  id: number;
  generation: number;
}

/**
 * Claims `need` on `host`'s compute node inside the transaction that writes the
 * instance, as Placement claims allocations: the node's row is locked and its
 * generation bumped, then what is free (capacity × ratio − used − pending builds,
 * hostCapacity's rule) is checked under that lock. A second claim on the node waits for
 * this transaction, then sees its instance, so no host goes past its capacity. When the
 * scheduler says which generation it chose the host at, a changed node is refused
 * (CLAIM_CONFLICT) so a burst of boots re-picks from a fresh view and spreads the way
 * sequential boots would. A host with no compute node row is not claimed (answers null):
 * the scheduler only picks hosts it read from compute_nodes.
 */
export async function claimHost(
  tx: Prisma.TransactionClient,
  host: string,
  need: ClaimNeed,
  expectedGeneration: number | null | undefined,
): Promise<number | null> {
  const [node] = await tx.$queryRaw<LockedNode[]>`
    UPDATE compute_nodes SET generation = generation + 1
    WHERE id = (SELECT id FROM compute_nodes WHERE host = ${host} AND deleted = 0 ORDER BY id LIMIT 1)
    RETURNING id, generation, vcpus, memory_mb AS "memoryMb", local_gb AS "localGb", vcpus_used AS "vcpusUsed", memory_mb_used AS "memoryMbUsed",
      local_gb_used AS "localGbUsed", cpu_allocation_ratio AS "cpuAllocationRatio", ram_allocation_ratio AS "ramAllocationRatio", disk_allocation_ratio AS "diskAllocationRatio"`;
  if (!node) return null;
  if (expectedGeneration != null && node.generation - 1 !== expectedGeneration) {
    throw conflict(
      `compute node ${host} changed since the scheduler read it (generation ${node.generation - 1}, expected ${expectedGeneration})`,
      {
        reason: ClaimRefusal.CLAIM_CONFLICT,
        host,
      },
    );
  }
  const pending = await tx.instance.aggregate({
    where: { ...PENDING_BUILDS, host },
    _sum: { vcpus: true, memoryMb: true, rootGb: true, ephemeralGb: true },
  });
  const free = freeCapacity(node, pending._sum);
  if (!fits(free, need)) {
    throw cellsError(
      ErrorCode.NO_VALID_HOST,
      `compute node ${host} has no room: needs ${need.vcpus} vcpus, ${need.memoryMb} MB, ${need.rootGb + need.ephemeralGb} GB; free ${free.vcpus}, ${free.memoryMb}, ${free.diskGb}`,
      { reason: ClaimRefusal.HOST_FULL, host },
    );
  }
  return node.generation;
}
