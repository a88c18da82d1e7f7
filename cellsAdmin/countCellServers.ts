import type { CellAccess, CellClient, CellMapping } from './types';
import { withTimeout } from '../infrastructure/withTimeout';
import { withCell } from './withCell';

/** Whose servers to count: a project, or one user of it. */
export interface ServerScope {
  projectId: string;
  userId: string | null;
}

/** A live instance of the scope, with the sizes its cell row records. */
export interface LiveServer {
  uuid: string;
  userId: string;
  vcpus: number | null;
  memoryMb: number | null;
}

export interface CellServers {
  live: LiveServer[];
  /** Mapped here and not queued for delete, but soft-deleted by the cell: a release not yet run. */
  deletedUnreleased: string[];
}

/** Partial failure is data: each cell answered with its servers, or why not. */
export type CellServersAnswer =
  { ok: true; cell: CellMapping; servers: CellServers } | { ok: false; cell: CellMapping; reason: string };

/**
 * Asks every cell database in parallel for the scope's live instances, and which of
 * `unreleased` (its mappings not queued for delete, by cell id) it has soft-deleted.
 * A cell that fails or takes longer than `timeoutMs` is an `ok: false` answer.
 */
export function countCellServers(
  access: CellAccess,
  cells: CellMapping[],
  scope: ServerScope,
  unreleased: Map<number, string[]>,
  timeoutMs: number,
): Promise<CellServersAnswer[]> {
  return Promise.all(
    cells.map(async (cell): Promise<CellServersAnswer> => {
      try {
        // A black-holed database would hold the project's usage lock; give up on it instead.
        const servers = await withTimeout(
          withCell(access, cell.databaseConnection, (client) =>
            serversOf(client, scope, unreleased.get(cell.id) ?? []),
          ),
          timeoutMs,
        );
        return { ok: true, cell, servers };
      } catch (err) {
        return { ok: false, cell, reason: reasonOf(err) };
      }
    }),
  );
}

async function serversOf(client: CellClient, scope: ServerScope, unreleased: string[]): Promise<CellServers> {
  const rows = await client.instance.findMany({
    where: { projectId: scope.projectId, deleted: 0, ...(scope.userId === null ? {} : { userId: scope.userId }) },
    select: { uuid: true, userId: true, vcpus: true, memoryMb: true },
  });
  const live = new Set(rows.map((row) => row.uuid));
  const gone = unreleased.filter((uuid) => !live.has(uuid));
  // Only a row the cell soft-deleted confirms a deletion; a missing row proves nothing.
  const deleted =
    gone.length === 0
      ? []
      : await client.instance.findMany({ where: { uuid: { in: gone }, deleted: { not: 0 } }, select: { uuid: true } });
  return {
    // quota_usages has no NULL user: a row without one counts for '' as its release does.
    live: rows.map((row) => ({ ...row, userId: row.userId ?? '' })),
    deletedUnreleased: deleted.map((row) => row.uuid),
  };
}

// Prisma's message quotes the calling code first; its last line says what went wrong.
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return (
    err.message
      .split('\n')
      .filter((line) => line.trim() !== '')
      .pop()
      ?.trim() ?? err.name
  );
}
