import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { identityHeaders } from '../subgraphs/shared/identity';
import type { GatewayContext } from './context';
import { dedupeRepresentations, expandEntitiesResponse, type GatewayGraphQLResponse } from './representations';

/**
 * The global subgraph's data source: forwards the caller's identity with the internal
 * secret, and sends each distinct entity representation once.
 */
export class GlobalDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(url: string, private readonly secret: string, private readonly counter: { count: number }) {
    super({ url });
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const representations = options.request.variables?.representations;
    if (!Array.isArray(representations)) return super.process(options);
    const { unique, indexOf } = dedupeRepresentations(representations);
    if (unique.length === representations.length) return super.process(options);
    const request = { ...options.request, variables: { ...options.request.variables, representations: unique } };
    return expandEntitiesResponse(await super.process({ ...options, request }), indexOf);
  }

  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    this.counter.count++;
    if (!context?.identity) return;
    for (const [name, value] of Object.entries(identityHeaders(context.identity, this.secret, context.requestId))) {
      request.http?.headers.set(name, value);
    }
  }
}
