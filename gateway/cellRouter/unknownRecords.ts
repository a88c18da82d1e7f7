import type { GraphQLFormattedError } from 'graphql';
import type { KnownInstance } from '../globalClient';
import type { CellStream } from './merge';
import type { RouterRequest } from './routerContext';
import { listProject } from './selectCells';
import type { UnknownPhase } from './startCursor';
import { ErrorCode } from '../../domain/errors';

// Filters that only scope by project; anything else makes UNKNOWN records wrong.
const PROJECT_ONLY = new Set(['projectId', 'allProjects']);

/** A page's share of the UNKNOWN records, and whether more follow it. */
export interface UnknownPage {
  records: KnownInstance[];
  hasMore: boolean;
  /** Where this page's share started (its cells continue in every later cursor). */
  phase: UnknownPhase;
  error?: GraphQLFormattedError;
}

/**
 * Whether a list may carry UNKNOWN records at all (Nova's microversion 2.69): filtered
 * by project alone and not sorted explicitly.
 */
export function unknownRecordsApply(filter: Record<string, unknown>, sortGiven: boolean): boolean {
  if (sortGiven) return false;
  return Object.entries(filter).every(([key, value]) => value === null || value === undefined || PROJECT_ONLY.has(key));
}

/** The cells of a page that did not answer, as an UNKNOWN phase starting at the first record. */
export function failedCells(streams: CellStream[]): UnknownPhase['cells'] {
  return streams.filter((s) => s.failure).map((s) => ({ uuid: s.cell.info.uuid, status: s.failure!.status }));
}

/**
 * Up to `room` UNKNOWN records after `phase.afterUuid`: minimal records for the mapped,
 * not queued-for-delete instances of the list's project in the phase's cells, by
 * instance uuid. One more is asked for, to know whether the walk goes on. When the
 * mappings cannot be read the page has none, an error says they are missing, and the
 * walk may go on from the same place.
 */
export async function unknownRecords(
  req: RouterRequest,
  filter: Record<string, unknown>,
  phase: UnknownPhase,
  room: number,
): Promise<UnknownPage> {
  if (!phase.cells.length) return { records: [], hasMore: false, phase };
  const found = await req.global.knownInstancesInCells(
    {
      cellUuids: phase.cells.map((c) => c.uuid),
      projectId: listProject(req, filter),
      afterUuid: phase.afterUuid,
      first: room + 1,
    },
    req.requestId,
  );
  if (!found.ok) {
    req.logger.warn(
      { requestId: req.requestId, err: found.message, detail: found.detail },
      'could not read mappings for UNKNOWN records',
    );
    const error = {
      message:
        'instances of cells that did not answer (UNKNOWN records) could not be read and are missing from this page',
      path: [req.field.responseKey],
      extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
    };
    // The walk stays where it is: the next page asks again from the same record.
    return { records: [], hasMore: true, phase, error };
  }
  const records = found.value
    .filter((m) => !m.queuedForDelete)
    .sort((a, b) => compareUuids(a.instanceUuid, b.instanceUuid));
  return { records: records.slice(0, room), hasMore: records.length > room, phase };
}

// The global subgraph orders by byte order (its database collates "C"); so does this.
function compareUuids(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The minimal record of an instance whose cell did not answer: what the API database
 * knows (uuid, project, user, created, and the request spec's flavor and zone), status
 * UNKNOWN, everything else null. The flavor is the Flavor entity, resolved as usual.
 */
export function unknownInstance(known: KnownInstance): Record<string, unknown> {
  return {
    __typename: 'Instance',
    uuid: known.instanceUuid,
    status: 'UNKNOWN',
    projectId: known.projectId,
    userId: known.userId,
    createdAt: known.createdAt,
    flavor: known.flavor ? { __typename: 'Flavor', id: known.flavor.id } : null,
    availabilityZone: known.availabilityZone,
  };
}
