/**
 * `cellSummaries`: the dashboard's cards in one request, one row per cell. Each cell is
 * asked its own `cellSummary` (once per `summary` alias the client selected) in parallel;
 * a cell that does not answer keeps its row, with its CellResult status and a null
 * summary, so the dashboard marks it down instead of losing it. Admins only, said once.
 */
import type { FieldNode } from 'graphql';
import { clientCellMessage } from '../../domain/clientError';
import { ErrorCode } from '../../domain/errors';
import { mergedFields } from './connectionShape';
import { answeredWithout } from './instanceList';
import { buildOperation, field as fieldFromSource } from './operation';
import { routerError, type FieldResult, type RouterRequest } from './routerRequest';

export const CELL_SUMMARIES = 'cellSummaries';

export async function routeCellSummaries(req: RouterRequest): Promise<FieldResult> {
  const path = [req.field.responseKey];
  if (!req.identity.isAdmin)
    return { data: null, errors: [routerError(ErrorCode.FORBIDDEN, `${CELL_SUMMARIES} is for admins only`, path)] };
  const selection = mergedFields(req.field.node.selectionSet, req.planned.fragments);
  const summaryKeys = selection.filter((f) => f.name === 'summary');
  // One `cellSummary` per alias of `summary`, each with the client's own selection; at least one, to learn the status.
  const asked: FieldNode[] = (summaryKeys.length ? summaryKeys : [{ selectionSet: undefined }]).map((f, i) => ({
    ...fieldFromSource(`__cr_s${i}: cellSummary { __typename }`),
    ...(f.selectionSet ? { selectionSet: f.selectionSet } : {}),
  }));
  const request = buildOperation(req.planned, asked);
  const cells = await req.fanOut.all();
  const rows = await Promise.all(
    cells.map(async (cell) => {
      const row = { cellUuid: cell.info.uuid, cellName: cell.info.name };
      const outcome = await req.fanOut.send(cell, request);
      const data = outcome.ok ? outcome.value.data : null;
      const failure = !outcome.ok
        ? outcome
        : !data?.__cr_s0
          ? { ...answeredWithout(outcome.value.errors?.[0]), elapsedMs: outcome.elapsedMs }
          : null;
      const elapsedMs = Math.round(outcome.elapsedMs * 100) / 100;
      if (failure) {
        req.logger.warn(
          { requestId: req.requestId, cell: cell.info.uuid, status: failure.status },
          'cell did not answer its summary',
        );
        return { ...row, status: failure.status, message: failure.message, elapsedMs, summaries: null };
      }
      return { ...row, status: 'OK', message: null, elapsedMs, summaries: data };
    }),
  );
  const out = rows.map((row) => {
    const value: Record<string, unknown> = {};
    for (const f of selection) {
      if (f.name === '__typename') value[f.key] = 'CellSummaryResult';
      else if (f.name === 'summary') value[f.key] = row.summaries?.[`__cr_s${summaryKeys.indexOf(f)}`] ?? null;
      else if (f.name === 'message') value[f.key] = clientCellMessage(row.status, row.message);
      else value[f.key] = (row as Record<string, unknown>)[f.name] ?? null;
    }
    return value;
  });
  return { data: out, errors: [] };
}
