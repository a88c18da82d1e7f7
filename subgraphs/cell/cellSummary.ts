import { Prisma } from '../../prisma/cell/generated/client';
import type { CellClient } from '../../prisma/clients';
import { statusFromState } from '../../domain/instanceStatus';
import { serviceDownSql } from './hostPage';

/** What a dashboard's card for one cell draws, read in one request. */
export interface CellSummaryData {
  /** Live (not deleted) instances per Nova API status, by status name. */
  instancesByStatus: { status: string; count: number }[];
  /** nova-compute services up and down by the servicegroup rule (hostPage.ts). */
  hostsUp: number;
  hostsDown: number;
  /** Sums over the cell's compute nodes; free = total − used, without allocation ratios, as Nova's hypervisor statistics. */
  capacity: {
    vcpus: number;
    vcpusUsed: number;
    vcpusFree: number;
    memoryMb: number;
    memoryMbUsed: number;
    memoryMbFree: number;
    localGb: number;
    localGbUsed: number;
    localGbFree: number;
  };
}

/** Three aggregate statements, run side by side; no row is read into the process. */
export async function readCellSummary(db: CellClient, downTimeS: number): Promise<CellSummaryData> {
  const [states, hosts, nodes] = await Promise.all([
    db.$queryRaw<{ vm_state: string | null; task_state: string | null; n: bigint }[]>(
      Prisma.sql`SELECT vm_state, task_state, count(*) AS n FROM instances WHERE deleted = 0 GROUP BY vm_state, task_state`,
    ),
    db.$queryRaw<{ down: boolean; n: bigint }[]>(
      Prisma.sql`SELECT ${serviceDownSql(downTimeS)} AS down, count(*) AS n FROM services
        WHERE deleted = 0 AND "binary" = 'nova-compute' GROUP BY 1`,
    ),
    db.$queryRaw<Record<string, bigint | null>[]>(
      Prisma.sql`SELECT sum(vcpus) AS vcpus, sum(vcpus_used) AS vcpus_used, sum(memory_mb) AS memory_mb,
        sum(memory_mb_used) AS memory_mb_used, sum(local_gb) AS local_gb, sum(local_gb_used) AS local_gb_used
        FROM compute_nodes WHERE deleted = 0`,
    ),
  ]);
  const byStatus = new Map<string, number>();
  for (const row of states) {
    const status = statusFromState(row.vm_state, row.task_state);
    byStatus.set(status, (byStatus.get(status) ?? 0) + Number(row.n));
  }
  const sum = (column: string) => Number(nodes[0]?.[column] ?? 0);
  const [vcpus, vcpusUsed, memoryMb, memoryMbUsed, localGb, localGbUsed] = [
    'vcpus',
    'vcpus_used',
    'memory_mb',
    'memory_mb_used',
    'local_gb',
    'local_gb_used',
  ].map(sum);
  return {
    instancesByStatus: [...byStatus].sort(([a], [b]) => (a < b ? -1 : 1)).map(([status, count]) => ({ status, count })),
    hostsUp: Number(hosts.find((row) => !row.down)?.n ?? 0),
    hostsDown: Number(hosts.find((row) => row.down)?.n ?? 0),
    capacity: {
      vcpus,
      vcpusUsed,
      vcpusFree: vcpus - vcpusUsed,
      memoryMb,
      memoryMbUsed,
      memoryMbFree: memoryMb - memoryMbUsed,
      localGb,
      localGbUsed,
      localGbFree: localGb - localGbUsed,
    },
  };
}
