import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type DataLoader from 'dataloader';
import type { GraphQLFormattedError } from 'graphql';
import { identityHeaders } from '../../domain/identity';
import type { Logger } from '../../infrastructure/logger';
import type { GatewayContext } from '../context';
import type { GlobalClient, MappingInfo } from '../globalClient';
import type { GatewayMetrics } from '../metrics';
import type { CircuitFailureStatus } from './cellBreaker';
import type { CellOutcome, GraphQLResponseBody } from './cellClient';
import type { CellDirectory, CellEntry } from './cellDirectory';
import { routeEntities } from './entities';
import { routeInstanceList } from './listInstances';
import type { MappingCache } from './mappingCache';
import { parseOperation, type RootField } from './operation';
import { RequestBudgets } from './requestBudget';
import { routerError, type FieldResult, type RouterRequest } from './routerContext';
import { routeToOwningCell } from './singleInstance';
import { ErrorCode } from '../../domain/errors';

export interface CellRouterOptions {
  directory: CellDirectory;
  mappingCache: MappingCache;
  global: GlobalClient;
  metrics: GatewayMetrics;
  logger: Logger;
  internalSecret: string;
  timeoutMs: number;
  maxFirst: number;
  /** Cell requests one incoming request may have in flight at once (CELLS_MAX_CELL_REQUESTS_IN_FLIGHT); unset: no cap. */
  maxCellRequestsInFlight?: number;
}

/**
 * The data source of the logical `cell` service. The planner sends it operations as if
 * there were one cell subgraph; it splits them by root field and routes each: lists to
 * every relevant cell (merged), single instances and mutations to the owning cell,
 * `_entities` grouped by cell.
 */
export class CellRouterDataSource implements GraphQLDataSource<GatewayContext> {
  /** Requests sent per cell uuid since start (the benchmark and tests count them). */
  readonly requestsByCell = new Map<string, number>();
  private readonly loaders = new WeakMap<object, DataLoader<string, MappingInfo | null>>();
  /** Per-request budgets of cell requests in flight. */
  readonly budgets: RequestBudgets;

  constructor(private readonly options: CellRouterOptions) {
    this.budgets = new RequestBudgets(options.maxCellRequestsInFlight ?? Infinity);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return { data: {} };
    const { request, context } = options;
    const planned = parseOperation(request.query ?? '', request.variables ?? {}, request.operationName);
    const isMutation = planned.operation.operation === 'mutation';
    const handle = (field: RootField) => this.route(this.routerRequest(planned, field, context), isMutation);
    const results: [RootField, FieldResult][] = [];
    if (isMutation) {
      for (const field of planned.rootFields) results.push([field, await handle(field)]); // mutations run in order
    } else {
      results.push(
        ...(await Promise.all(planned.rootFields.map(async (f) => [f, await handle(f)] as [RootField, FieldResult]))),
      );
    }
    const data: Record<string, unknown> = {};
    const errors: GraphQLFormattedError[] = [];
    for (const [field, result] of results) {
      data[field.responseKey] = result.data;
      errors.push(...result.errors);
    }
    return errors.length ? { data, errors } : { data };
  }

  private route(req: RouterRequest, isMutation: boolean): Promise<FieldResult> {
    switch (req.field.name) {
      case '__typename':
        return Promise.resolve({ data: isMutation ? 'Mutation' : 'Query', errors: [] });
      case 'instances':
        return routeInstanceList(req);
      case 'instance':
        return routeToOwningCell(req, 'query');
      case '_entities':
        return routeEntities(req);
      default:
        if (isMutation && 'uuid' in req.field.args) return routeToOwningCell(req, 'mutation');
        return Promise.resolve({
          data: null,
          errors: [
            routerError(ErrorCode.BAD_REQUEST, `field ${req.field.name} cannot be routed to a cell`, [
              req.field.responseKey,
            ]),
          ],
        });
    }
  }

  private routerRequest(planned: RouterRequest['planned'], field: RootField, context: GatewayContext): RouterRequest {
    const { directory, global, logger, timeoutMs, maxFirst } = this.options;
    const headers = identityHeaders(context.identity, this.options.internalSecret, context.requestId);
    const budget = this.budgets.for(context);
    return {
      planned,
      field,
      identity: context.identity,
      requestId: context.requestId,
      logger,
      global,
      mappings: this.loaderFor(context),
      cells: () => directory.all(),
      cell: (uuid) => directory.get(uuid),
      send: (cell, request, timeout) => budget.run(() => this.send(cell, request, headers, timeout)),
      timeoutMs,
      maxFirst,
    };
  }

  // Per-request loader, kept beside the request's context object.
  private loaderFor(context: GatewayContext): DataLoader<string, MappingInfo | null> {
    let loader = this.loaders.get(context);
    if (!loader) {
      loader = this.options.mappingCache.loader(context.requestId);
      this.loaders.set(context, loader);
    }
    return loader;
  }

  // Through the cell's circuit: an open one answers at once with the last failure's
  // status and no request is sent (nor counted in requestsByCell).
  private async send(
    cell: CellEntry,
    request: Parameters<RouterRequest['send']>[1],
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
    request: Parameters<RouterRequest['send']>[1],
    headers: Record<string, string>,
    timeoutMs?: number,
  ): Promise<CellOutcome<GraphQLResponseBody>> {
    const refused = await this.options.directory.checkSchema(cell, headers);
    const outcome = refused ?? (await cell.client.send(request, headers, timeoutMs));
    // A cell that answered with its database down is as UNAVAILABLE in /readyz and the metrics as in its list row.
    const status = outcome.ok ? (circuitFailure(outcome as CellOutcome<GraphQLResponseBody>) ?? 'OK') : outcome.status;
    this.requestsByCell.set(cell.info.uuid, (this.requestsByCell.get(cell.info.uuid) ?? 0) + 1);
    this.options.metrics.observeCell(cell.info.name ?? cell.info.uuid, status, outcome.elapsedMs);
    cell.lastStatus = { status, at: new Date().toISOString(), ...(outcome.ok ? {} : { message: outcome.message }) };
    if (!outcome.ok && outcome.status === 'UNAVAILABLE') void this.options.directory.refresh();
    return outcome as CellOutcome<GraphQLResponseBody>;
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
