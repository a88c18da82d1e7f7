import { Kind, type GraphQLFormattedError } from 'graphql';
import { buildOperation } from './operation';
import { databaseFailureMessage } from '../../domain/databaseFailure';
import {
  answeredWrongly,
  cellUnavailableError,
  routerError,
  type FieldResult,
  type RouterRequest,
} from './routerRequest';
import type { CellEntry } from './cellDirectory';
import { succeed } from '../../domain/outcome';
import type { GlobalOutcome } from '../globalClient';
import { reindexError } from '../representations';
import { loadMappings } from './mappingCache';
import { ErrorCode } from '../../domain/errors';

interface Representation {
  __typename: string;
  uuid?: string;
  /** A representation may carry its cell already; then no mapping look-up is needed. */
  cellUuid?: string;
}

/**
 * `_entities` for Instance: representations grouped by owning cell, one request per
 * cell in parallel, answers put back in the original order. A representation whose
 * cell did not answer is null with a CELL_UNAVAILABLE error at its index.
 */
export async function routeEntities(req: RouterRequest): Promise<FieldResult> {
  const { field } = req;
  const representations = (field.args.representations ?? []) as Representation[];
  const argument = field.node.arguments?.find((a) => a.name.value === 'representations');
  if (!argument || argument.value.kind !== Kind.VARIABLE) {
    return {
      data: null,
      errors: [
        routerError(ErrorCode.BAD_REQUEST, '_entities: representations must be passed as a variable', [
          field.responseKey,
        ]),
      ],
    };
  }
  const variableName = argument.value.name.value;
  const results: unknown[] = representations.map(() => null);
  const errors: GraphQLFormattedError[] = [];
  const byCell = new Map<string, number[]>();
  const lookups = await cellsOf(req, representations);
  if (!lookups.ok) {
    return {
      data: null,
      errors: [
        routerError(ErrorCode.GLOBAL_UNAVAILABLE, `instance mappings could not be read: ${lookups.message}`, [
          field.responseKey,
        ]),
      ],
    };
  }
  lookups.value.forEach((cellUuid, index) => {
    if (!cellUuid) return; // unknown or unscheduled instance: null, as a subgraph answers for a missing entity
    byCell.set(cellUuid, [...(byCell.get(cellUuid) ?? []), index]);
  });
  await Promise.all(
    [...byCell].map(async ([cellUuid, indexes]) => {
      const cell = await req.fanOut.get(cellUuid);
      const fail = (entry: CellEntry | { info: { uuid: string; name: null } }, status: string, message: string) =>
        indexes.forEach((i) => errors.push(cellUnavailableError(entry, [field.responseKey, i], status, message)));
      if (!cell)
        return fail({ info: { uuid: cellUuid, name: null } }, 'UNAVAILABLE', 'cell is not in the cell mappings');
      const subset = indexes.map((i) => representations[i]);
      const planned = { ...req.planned, variables: { ...req.planned.variables, [variableName]: subset } };
      const outcome = await req.fanOut.send(cell, buildOperation(planned, [field.node]));
      if (!outcome.ok) return fail(cell, outcome.status, outcome.message);
      const answers = (outcome.value.data?.[field.responseKey] ?? []) as unknown[];
      indexes.forEach((original, j) => (results[original] = answers[j] ?? null));
      const cellErrors = outcome.value.errors ?? [];
      // The cell up with its database down, or answering wrongly: said by the router, naming
      // the cell, at every index it left null (as for a cell that did not answer).
      const down = cellErrors.find((e) => e.extensions?.code === ErrorCode.CELL_UNAVAILABLE);
      if (down || (answers.every((a) => a == null) && answeredWrongly(cell, cellErrors))) {
        req.logger.warn({ requestId: req.requestId, cell: cell.info.uuid, errors: cellErrors }, 'cell failed entities');
        const nulls = indexes.filter((original) => results[original] === null);
        const reason = typeof down?.extensions?.reason === 'string' ? { reason: down.extensions.reason } : {};
        for (const i of nulls) {
          const error = down
            ? cellUnavailableError(
                cell,
                [field.responseKey, i],
                'UNAVAILABLE',
                databaseFailureMessage(down.extensions?.reason),
              )
            : cellUnavailableError(cell, [field.responseKey, i], 'ERROR', 'cell answered with an error');
          errors.push({ ...error, extensions: { ...error.extensions, ...reason } });
        }
        return;
      }
      // A cell's error path points into its subset; point it at the original index.
      for (const error of cellErrors) errors.push(reindexError(error, field.responseKey, indexes));
    }),
  );
  return { data: results, errors };
}

// The owning cell of each representation (null: unknown or unscheduled), mappings read in one batch.
async function cellsOf(
  req: RouterRequest,
  representations: Representation[],
): Promise<GlobalOutcome<(string | null)[]>> {
  const looked = (r: Representation) => !r.cellUuid && r.__typename === 'Instance' && Boolean(r.uuid);
  const mappings = await loadMappings(
    req.mappings,
    representations.filter(looked).map((r) => r.uuid!),
  );
  if (!mappings.ok) return mappings;
  let next = 0;
  return succeed(
    representations.map((r) => {
      if (r.cellUuid) return r.cellUuid;
      if (!looked(r)) return null;
      const mapping = mappings.value[next++];
      // A tenant's plan never holds another project's instance; if one did, its cell stays unsaid.
      if (mapping && !req.identity.isAdmin && mapping.projectId !== req.identity.projectId) return null;
      return mapping?.cellUuid ?? null;
    }),
  );
}
