import { ErrorCode } from '../../domain/errors';
import { failSpan, inSpan, SpanKind } from '../../infrastructure/tracing';
import { identityHeaders } from '../../domain/identity';
import type { GatewayContext } from '../context';
import type { GatewayMetrics } from '../metrics';
import type { CircuitFailureStatus } from './cellBreaker';
import type { CellOutcome, GraphQLResponseBody } from './cellClient';
import type { CellDirectory, CellEntry } from './cellDirectory';
import type { CellRequest } from './operation';
import { RequestBudgets, type RequestBudget } from './requestBudget';
import { routeRouterFields } from './routerFields';

export interface CellFanOutOptions {
  directory: CellDirectory;
  metrics: GatewayMetrics;
  internalSecret: string;
  /** Cell requests one incoming request may have in flight at once (CELLS_MAX_CELL_REQUESTS_IN_FLIGHT); unset: no cap. */
  maxCellRequestsInFlight?: number;
}

/**
 * How the router talks to cells: the directory of live cells, and one `send` that goes
 * through the cell's circuit breaker and schema check, counts the request and records
 * its status in the metrics. Shared by every request; `forRequest` binds one request's
 * identity and budget.
 */
export class CellFanOut {
  /** Requests sent per cell uuid since start (the benchmark and tests count them). */
  readonly requestsByCell = new Map<string, number>();
  /** Per-request budgets of cell requests in flight. */
  readonly budgets: RequestBudgets;

  constructor(private readonly options: CellFanOutOptions) {
    this.budgets = new RequestBudgets(options.maxCellRequestsInFlight ?? Infinity);
  }

  /** The fan-out of one incoming request: its identity headers, its budget of cell requests in flight. */
  forRequest(context: GatewayContext): RequestFanOut {
    const headers = identityHeaders(context.identity, this.options.internalSecret, context.requestId);
    return new RequestFanOut(this, this.options.directory, headers, this.budgets.for(context));
  }

  /**
   * Through the cell's circuit: an open one answers at once with the last failure's
   * status and no request is sent (nor counted in requestsByCell). Never rejects.
   * Traced as one `cells.cell_request` span: the cell, its status, the rows it sent.
   * The router's own fields (routerFields.ts) are taken out of the request and put back
   * into the answer from `cell`.
   */
  send(
    cell: CellEntry,
    request: CellRequest,
    headers: Record<string, string>,
    timeoutMs?: number,
  ): Promise<CellOutcome<GraphQLResponseBody>> {
    const attributes = { 'cells.cell.name': cell.info.name ?? '', 'cells.cell.uuid': cell.info.uuid };
    const routed = routeRouterFields(request);
    return inSpan('cells.cell_request', SpanKind.CLIENT, attributes, async (span) => {
      const outcome = await this.guarded(cell, routed.request, headers, timeoutMs);
      if (outcome.ok && outcome.value.data && routed.fill) routed.fill(outcome.value.data, cell.info);
      const status = outcome.ok ? (circuitFailure(outcome) ?? 'OK') : outcome.status;
      span.setAttribute('cells.cell.status', status);
      if (outcome.ok) span.setAttribute('cells.rows', rowsIn(outcome.value.data));
      if (status !== 'OK')
        failSpan(span, outcome.ok ? `${status}: database unavailable` : `${status}: ${outcome.message}`);
      return outcome;
    });
  }

  private async guarded(
    cell: CellEntry,
    request: CellRequest,
    headers: Record<string, string>,
    timeoutMs?: number,
  ): Promise<CellOutcome<GraphQLResponseBody>> {
    const guarded = await cell.breaker.run(() => this.attempt(cell, request, headers, timeoutMs), circuitFailure);
    if (guarded.ran) return guarded.result;
    this.options.metrics.skipCell(cell.info.name ?? cell.info.uuid);
    return { ok: false, status: guarded.status, message: guarded.message, elapsedMs: 0 };
  }

  private async attempt(
    cell: CellEntry,
    request: CellRequest,
    headers: Record<string, string>,
    timeoutMs?: number,
  ): Promise<CellOutcome<GraphQLResponseBody>> {
    const { directory, metrics } = this.options;
    const refused = await directory.checkSchema(cell, headers);
    const outcome = refused ?? (await cell.client.send(request, headers, timeoutMs));
    // A cell that answered with its database down is as UNAVAILABLE in /readyz and the metrics as in its list row.
    const status = outcome.ok ? (circuitFailure(outcome as CellOutcome<GraphQLResponseBody>) ?? 'OK') : outcome.status;
    this.requestsByCell.set(cell.info.uuid, (this.requestsByCell.get(cell.info.uuid) ?? 0) + 1);
    metrics.observeCell(cell.info.name ?? cell.info.uuid, status, outcome.elapsedMs);
    cell.lastStatus = { status, at: new Date().toISOString(), ...(outcome.ok ? {} : { message: outcome.message }) };
    if (!outcome.ok && outcome.status === 'UNAVAILABLE') void directory.refresh();
    return outcome as CellOutcome<GraphQLResponseBody>;
  }
}

/** The cells as one incoming request sees them: every cell, one by uuid, and `send` under its identity and budget. */
export class RequestFanOut {
  constructor(
    private readonly fanOut: CellFanOut,
    private readonly directory: CellDirectory,
    private readonly headers: Record<string, string>,
    private readonly budget: Pick<RequestBudget, 'run'>,
  ) {}

  /** Every known cell. */
  all(): Promise<CellEntry[]> {
    return this.directory.all();
  }

  /** The cell with `uuid` (the directory refreshes once for one it does not know). */
  get(uuid: string): Promise<CellEntry | undefined> {
    return this.directory.get(uuid);
  }

  /** Sends to one cell after its schema check, counting it in metrics. Never rejects. */
  send(cell: CellEntry, request: CellRequest, timeoutMs?: number): Promise<CellOutcome<GraphQLResponseBody>> {
    return this.budget.run(() => this.fanOut.send(cell, request, this.headers, timeoutMs));
  }
}

/**
 * Whether an outcome counts towards opening the cell's circuit: no answer in time, the
 * cell unreachable, or the cell up with its database down (every root field null with
 * CELL_UNAVAILABLE). A cell that answered wrongly (ERROR) or refused the request did answer.
 */
export function circuitFailure(outcome: CellOutcome<GraphQLResponseBody>): CircuitFailureStatus | null {
  if (!outcome.ok) return outcome.status === 'ERROR' ? null : outcome.status;
  const { data, errors } = outcome.value;
  if (!errors?.some((e) => e.extensions?.code === ErrorCode.CELL_UNAVAILABLE)) return null;
  const empty = (value: unknown) => value === null || (Array.isArray(value) && value.every((v) => v === null));
  return !data || Object.values(data).every(empty) ? 'UNAVAILABLE' : null;
}

/**
 * Rows in a cell's answer, summed over root fields: a connection's edges (the router's
 * own `__cr_edges` when it asked for them), a list's items, or one object.
 */
function rowsIn(data: Record<string, unknown> | null | undefined): number {
  let rows = 0;
  for (const value of Object.values(data ?? {})) {
    if (Array.isArray(value)) rows += value.length;
    else if (value && typeof value === 'object') {
      const connection = value as { __cr_edges?: unknown; edges?: unknown };
      const edges = connection.__cr_edges ?? connection.edges;
      rows += Array.isArray(edges) ? edges.length : 1;
    }
  }
  return rows;
}
