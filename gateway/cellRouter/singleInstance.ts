import { buildOperation } from './operation';
import { cellUnavailableError, routerError, type FieldResult, type RouterRequest } from './routerContext';

/**
 * A root field about one instance (`instance(uuid)` or an instance mutation): looks up
 * the owning cell through the instance mappings and sends the field there only.
 * An unknown instance is null for the query and NOT_FOUND for a mutation.
 */
export async function routeToOwningCell(req: RouterRequest, kind: 'query' | 'mutation'): Promise<FieldResult> {
  const { field } = req;
  const path = [field.responseKey];
  const uuid = field.args.uuid;
  if (typeof uuid !== 'string' || !uuid) {
    return { data: null, errors: [routerError('BAD_USER_INPUT', `uuid: expected an instance uuid, got ${JSON.stringify(uuid)}`, path)] };
  }
  let mapping;
  try {
    mapping = await req.mappings.load(uuid);
  } catch (err) {
    return { data: null, errors: [routerError('GLOBAL_UNAVAILABLE', `instance mappings could not be read: ${(err as Error).message}`, path)] };
  }
  // Another project's instance is unknown to a tenant: not even its cell may show, in data or in an error.
  if (mapping && !req.identity.isAdmin && mapping.projectId !== req.identity.projectId) mapping = null;
  if (!mapping || !mapping.cellUuid) {
    if (kind === 'query') return { data: null, errors: [] };
    const why = mapping ? 'is not scheduled to a cell yet' : 'not found';
    return { data: null, errors: [routerError('NOT_FOUND', `instance ${JSON.stringify(uuid)} ${why}`, path, { uuid })] };
  }
  const cell = await req.cell(mapping.cellUuid);
  if (!cell) {
    return { data: null, errors: [routerError('CELL_UNAVAILABLE', `instance ${uuid} is mapped to unknown cell ${mapping.cellUuid}`, path, { cellUuid: mapping.cellUuid })] };
  }
  const outcome = await req.send(cell, buildOperation(req.planned, [field.node]));
  if (!outcome.ok) return { data: null, errors: [cellUnavailableError(cell, path, outcome.status, outcome.message)] };
  const data = outcome.value.data?.[field.responseKey] ?? null;
  // The cell answered but its database did not: say which cell, as for a dead cell.
  const errors = (outcome.value.errors ?? []).map((e) =>
    e.extensions?.code === 'CELL_UNAVAILABLE' ? cellUnavailableError(cell, path, 'UNAVAILABLE', 'cell database unavailable') : e,
  );
  return { data, errors };
}
