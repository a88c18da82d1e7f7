import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type DataLoader from 'dataloader';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../domain/errors';
import type { Logger } from '../../infrastructure/logger';
import type { GatewayContext } from '../context';
import type { GlobalClient, MappingInfo } from '../globalClient';
import type { GatewayMetrics } from '../metrics';
import type { CellDirectory } from './cellDirectory';
import { CellFanOut } from './cellFanOut';
import { CELL_SUMMARIES, routeCellSummaries } from './cellSummaries';
import { routeEntities } from './entities';
import { COMPUTE_NODES, COMPUTE_SERVICES, routeHostList } from './hostList';
import { INSTANCES, routeInstanceList } from './instanceList';
import type { MappingCache } from './mappingCache';
import { parseOperation, type RootField } from './operation';
import type { RequestBudgets } from './requestBudget';
import { routerError, type FieldResult, type RouterRequest } from './routerRequest';
import { routeToOwningCell } from './singleInstance';

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
  private readonly loaders = new WeakMap<object, DataLoader<string, MappingInfo | null>>();
  private readonly fanOut: CellFanOut;

  constructor(private readonly options: CellRouterOptions) {
    this.fanOut = new CellFanOut(options);
  }

  /** Requests sent per cell uuid since start (the benchmark and tests count them). */
  get requestsByCell(): Map<string, number> {
    return this.fanOut.requestsByCell;
  }

  /** Per-request budgets of cell requests in flight. */
  get budgets(): RequestBudgets {
    return this.fanOut.budgets;
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
      // Every cell-level connection merged across cells has its case here (see instanceList.ts, "More connections").
      case INSTANCES.rootField:
        return routeInstanceList(req);
      case COMPUTE_SERVICES.rootField:
        return routeHostList(req, COMPUTE_SERVICES);
      case COMPUTE_NODES.rootField:
        return routeHostList(req, COMPUTE_NODES);
      case CELL_SUMMARIES:
        return routeCellSummaries(req);
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
    const { global, logger, timeoutMs, maxFirst } = this.options;
    return {
      planned,
      field,
      identity: context.identity,
      requestId: context.requestId,
      logger,
      global,
      mappings: this.loaderFor(context),
      fanOut: this.fanOut.forRequest(context),
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
}
