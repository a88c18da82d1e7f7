import type { GraphQLFormattedError } from 'graphql';
import { databaseFailureMessage } from '../../domain/databaseFailure';
import type { KnownInstance, MappingInfo } from '../globalClient';
import { loadMappings } from './mappingCache';
import type { CellEntry } from './cellDirectory';
import { buildOperation } from './operation';
import {
  answeredWrongly,
  cellUnavailableError,
  logGlobalFailure,
  routerError,
  type FieldResult,
  type RouterRequest,
} from './routerRequest';
import { shape } from './connectionShape';
import { buildNode, unknownInstance } from './instanceList';
import type { OriginCell } from './routerFields';
import { ErrorCode } from '../../domain/errors';

/**
 * A root field about one instance (`instance(uuid)` or an instance mutation): looks up
 * the owning cell through the instance mappings and sends the field there only.
 * An unknown instance is null for the query and NOT_FOUND for a mutation; so is
 * another project's, for a tenant. For the query, a server still being scheduled is
 * its BUILD record, as lists show it, and an instance whose cell does not answer is its
 * minimal UNKNOWN record in `data` with CELL_UNAVAILABLE naming the cell in `errors`.
 */
export async function routeToOwningCell(req: RouterRequest, kind: 'query' | 'mutation'): Promise<FieldResult> {
  const { field } = req;
  const path = [field.responseKey];
  const uuid = field.args.uuid;
  if (typeof uuid !== 'string' || !uuid) {
    return {
      data: null,
      errors: [
        routerError(ErrorCode.BAD_USER_INPUT, `uuid: expected an instance uuid, got ${JSON.stringify(uuid)}`, path),
      ],
    };
  }
  const looked = await loadMappings(req.mappings, [uuid]);
  if (!looked.ok) {
    logGlobalFailure(req, looked, 'instance mappings could not be read');
    return {
      data: null,
      errors: [routerError(ErrorCode.GLOBAL_UNAVAILABLE, 'instance mappings could not be read', path)],
    };
  }
  let mapping = looked.value[0];
  // Another project's instance is unknown to a tenant: not even its cell may show, in data or in an error.
  if (mapping && !req.identity.isAdmin && mapping.projectId !== req.identity.projectId) mapping = null;
  if (!mapping) return kind === 'query' ? { data: null, errors: [] } : notFound(uuid, 'not found', path);
  if (!mapping.cellUuid)
    return kind === 'query' ? buildingInstance(req, uuid) : notFound(uuid, 'is not scheduled to a cell yet', path);

  const cell = await req.fanOut.get(mapping.cellUuid);
  if (!cell) {
    const error = routerError(
      ErrorCode.CELL_UNAVAILABLE,
      `instance ${uuid} is mapped to a cell that is not in the cell mappings`,
      path,
      { cellUuid: mapping.cellUuid },
    );
    return kind === 'query' ? withMinimalRecord(req, mapping, null, error) : { data: null, errors: [error] };
  }
  const outcome = await req.fanOut.send(cell, buildOperation(req.planned, [field.node]));
  if (!outcome.ok) {
    req.logger.warn(
      {
        requestId: req.requestId,
        cell: cell.info.uuid,
        status: outcome.status,
        message: outcome.message,
        detail: outcome.detail,
      },
      'cell did not answer for one instance',
    );
    const error = cellUnavailableError(cell, path, outcome.status, outcome.message);
    return kind === 'query' ? withMinimalRecord(req, mapping, cell.info, error) : { data: null, errors: [error] };
  }
  const data = outcome.value.data?.[field.responseKey] ?? null;
  if (data === null && answeredWrongly(cell, outcome.value.errors ?? [])) {
    req.logger.warn(
      { requestId: req.requestId, cell: cell.info.uuid, errors: outcome.value.errors },
      'cell answered wrongly for one instance',
    );
    const error = cellUnavailableError(cell, path, 'ERROR', 'cell answered with an error');
    return kind === 'query' ? withMinimalRecord(req, mapping, cell.info, error) : { data: null, errors: [error] };
  }
  const errors = (outcome.value.errors ?? []).map((e) =>
    e.extensions?.code === ErrorCode.CELL_UNAVAILABLE ? databaseDown(req, cell, e) : e,
  );
  // The cell is up but its database is not: as for a cell that did not answer.
  const down = errors.find((e) => e.extensions?.code === ErrorCode.CELL_UNAVAILABLE);
  if (data === null && down && kind === 'query') return withMinimalRecord(req, mapping, cell.info, { ...down, path });
  return { data, errors };
}

function notFound(uuid: string, why: string, path: (string | number)[]): FieldResult {
  return {
    data: null,
    errors: [routerError(ErrorCode.NOT_FOUND, `instance ${JSON.stringify(uuid)} ${why}`, path, { uuid })],
  };
}

// The cell's CELL_UNAVAILABLE, said by the router: which cell, the fixed message for its reason.
function databaseDown(req: RouterRequest, cell: CellEntry, error: GraphQLFormattedError): GraphQLFormattedError {
  req.logger.warn(
    { requestId: req.requestId, cell: cell.info.uuid, reason: error.extensions?.reason, message: error.message },
    'cell database unavailable for one instance',
  );
  const path = error.path ? [...error.path] : [req.field.responseKey];
  const reason = typeof error.extensions?.reason === 'string' ? { reason: error.extensions.reason } : {};
  const formatted = cellUnavailableError(cell, path, 'UNAVAILABLE', databaseFailureMessage(error.extensions?.reason));
  return { ...formatted, extensions: { ...formatted.extensions, ...reason } };
}

/**
 * `error` with the instance's minimal record (Nova 2.69's down-cell answer): what the
 * API database knows, status UNKNOWN. A tenant's queued-for-delete instance is gone for
 * them (as a cell answers), so it stays null.
 */
async function withMinimalRecord(
  req: RouterRequest,
  mapping: MappingInfo,
  cell: OriginCell | null,
  error: GraphQLFormattedError,
): Promise<FieldResult> {
  if (mapping.queuedForDelete && !req.identity.isAdmin) return { data: null, errors: [] };
  const read = await req.global.knownInstance(mapping.instanceUuid, req.requestId);
  if (!read.ok) logGlobalFailure(req, read, 'request spec of an UNKNOWN record could not be read');
  // Without the request spec the mapping alone still makes a record; its spec fields stay null.
  const known: KnownInstance = (read.ok ? read.value : null) ?? {
    ...mapping,
    createdAt: null,
    flavor: null,
    availabilityZone: null,
  };
  return {
    data: shape(unknownInstance(known, cell), req.field.node.selectionSet, req.planned.fragments, 'Instance'),
    errors: [error],
  };
}

// A mapping without a cell is a server being scheduled: its build request, shown as lists show it.
async function buildingInstance(req: RouterRequest, uuid: string): Promise<FieldResult> {
  const path = [req.field.responseKey];
  const projectId = req.identity.isAdmin ? null : req.identity.projectId;
  const context = await req.global.listContext(
    { projectId, cellsOf: false, builds: true, uuids: [uuid] },
    req.requestId,
  );
  const request = context.ok ? context.value.buildRequests?.find((r) => r.instanceUuid === uuid) : undefined;
  if (request)
    return {
      data: shape(buildNode(request), req.field.node.selectionSet, req.planned.fragments, 'Instance'),
      errors: [],
    };
  // Scheduled since the mapping was read: the cell holds it now.
  const read = context.ok ? await req.global.knownInstance(uuid, req.requestId) : context;
  if (!read.ok) {
    logGlobalFailure(req, read, 'build request could not be read');
    return {
      data: null,
      errors: [
        routerError(
          ErrorCode.GLOBAL_UNAVAILABLE,
          'the server is being scheduled and its build request could not be read',
          path,
        ),
      ],
    };
  }
  const fresh = read.value;
  if (fresh?.cellUuid && (req.identity.isAdmin || fresh.projectId === req.identity.projectId)) {
    req.mappings.clear(uuid).prime(uuid, fresh);
    return routeToOwningCell(req, 'query');
  }
  return { data: null, errors: [] };
}
