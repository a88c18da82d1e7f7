import type { CellClient } from '../../../prisma/clients';
import type { Logger } from '../../../infrastructure/logger';
import { withTimeout } from '../../../infrastructure/withTimeout';
import type { CellPool } from './cellPool';

/** Whether a cell holds a server: yes, no (and never will from that build), or it could not be asked. */
export type Presence = 'built' | 'absent' | 'unknown';

/**
 * After a cell's build did not answer in time: fence the host, then look. The fence
 * bumps the host's compute node generation, which the build's claim (hostClaim) locks
 * and compares first thing in its transaction: a build still in flight either
 * committed before the fence got the lock (and is found), or finds the generation moved
 * and commits nothing. So "absent" is final and the server may go elsewhere without
 * ever existing in two cells. No clock is trusted; the build's own deadline covers the
 * case where the fence cannot reach the cell's database ("unknown").
 */
export async function reconcileTimedOut(
  db: CellClient,
  host: string,
  uuid: string,
  timeoutMs: number,
  logger: Logger,
): Promise<Presence> {
  try {
    return await withTimeout(
      (async () => {
        await db.$executeRaw`UPDATE compute_nodes SET generation = generation + 1 WHERE host = ${host} AND deleted = 0`;
        const row = await db.instance.findUnique({ where: { uuid }, select: { deleted: true } });
        return row && row.deleted === 0 ? ('built' as const) : ('absent' as const);
      })(),
      timeoutMs,
    );
  } catch (err) {
    logger.warn({ err, uuid, host }, 'scheduler: could not fence and look up a build that timed out');
    return 'unknown';
  }
}

/** A live server a cell holds, with the sizes it counts. */
export interface HeldServer {
  uuid: string;
  vcpus: number | null;
  memoryMb: number | null;
}

/** One cell's answer to "which of these uuids do you hold": per cell, as Nova's scatter_gather_cells. */
export type CellLookup =
  { cellId: number; ok: true; held: HeldServer[] } | { cellId: number; ok: false; reason: string };

/** Asks every given cell's database, in parallel and each within `timeoutMs`, which of `uuids` it holds live. */
export async function findInCells(
  pool: CellPool,
  cells: { id: number; databaseConnection: string }[],
  uuids: string[],
  timeoutMs: number,
): Promise<CellLookup[]> {
  return Promise.all(
    cells.map(async (cell): Promise<CellLookup> => {
      try {
        const held = await withTimeout(
          pool.client(cell.databaseConnection).instance.findMany({
            where: { uuid: { in: uuids }, deleted: 0 },
            select: { uuid: true, vcpus: true, memoryMb: true },
          }),
          timeoutMs,
        );
        return { cellId: cell.id, ok: true, held };
      } catch (err) {
        return { cellId: cell.id, ok: false, reason: (err as Error).message };
      }
    }),
  );
}
