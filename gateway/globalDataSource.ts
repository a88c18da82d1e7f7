import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, parse, type GraphQLFormattedError } from 'graphql';
import { identityHeaders } from '../domain/identity';
import type { Logger } from '../infrastructure/logger';
import type { GatewayContext } from './context';
import { GlobalUnavailableError, type GlobalTransport } from './globalTransport';
import {
  dedupeRepresentations,
  expandEntitiesResponse,
  reindexError,
  type GatewayGraphQLResponse,
} from './representations';
import { ErrorCode } from '../domain/errors';
import {
  FULL_FLAVOR_QUERY,
  isFlavorRepresentation,
  projectFlavor,
  type FlavorField,
  type FlavorRecord,
  type PublicFlavors,
} from './publicFlavors';

// Mutations that change cell mappings: the gateway that ran one re-reads them at once.
const CELL_MUTATIONS = new Set(['createCell', 'updateCell', 'enableCell', 'disableCell', 'deleteCell']);

export interface GlobalDataSourceOptions {
  url: string;
  secret: string;
  /** Counts the planner's requests (benchmarks and tests read it). */
  counter: { count: number };
  /** The gateway's pool and deadline to the global subgraph. */
  transport: GlobalTransport;
  logger: Logger;
  /** Called (and awaited) after a cell mapping mutation went through this gateway. */
  onCellMappingsChanged?: () => Promise<void>;
  /** Public flavors the gateway holds, to answer the planner's flavor look-ups without a request. */
  publicFlavors?: PublicFlavors;
}

/**
 * The global subgraph's data source: forwards the caller's identity with the internal
 * secret, sends each distinct entity representation once, and turns a global subgraph
 * that does not answer (in CELLS_GLOBAL_TIMEOUT_MS) into a GLOBAL_UNAVAILABLE error on
 * the fields it owns, so the cells' data still comes back.
 */
export class GlobalDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly options: GlobalDataSourceOptions) {
    super({ url: options.url, fetcher: options.transport.fetcher });
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    let response: GatewayGraphQLResponse;
    try {
      response = await this.deduplicated(options);
    } catch (err) {
      return { errors: [this.unavailable(err, options.context?.requestId)] };
    }
    const query = options.request.query ?? '';
    if (this.options.onCellMappingsChanged && response.data && changesCells(query))
      await this.options.onCellMappingsChanged().catch(() => undefined);
    return response;
  }

  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    this.options.counter.count++;
    if (!context?.identity) return;
    for (const [name, value] of Object.entries(
      identityHeaders(context.identity, this.options.secret, context.requestId),
    )) {
      request.http?.headers.set(name, value);
    }
  }

  private async deduplicated(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const representations = options.request.variables?.representations;
    if (!Array.isArray(representations)) return super.process(options);
    const { unique, indexOf } = dedupeRepresentations(representations);
    const flavors = this.options.publicFlavors;
    const fields = flavors?.selection(options.request.query ?? '');
    if (flavors && fields && unique.every(isFlavorRepresentation))
      return expandEntitiesResponse(await this.flavorsFor(options, unique, flavors, fields), indexOf);
    if (unique.length === representations.length) return super.process(options);
    const request = { ...options.request, variables: { ...options.request.variables, representations: unique } };
    return expandEntitiesResponse(await super.process({ ...options, request }), indexOf);
  }

  /**
   * The planner's flavor look-up answered from the public flavors held; the others are
   * read in one request for every immutable field (under the caller's identity, so a
   * private flavor answers only as the caller may see it), and the public ones kept.
   * Without the global subgraph, the flavors held still answer.
   */
  private async flavorsFor(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    unique: { id: string }[],
    flavors: PublicFlavors,
    fields: FlavorField[],
  ): Promise<GatewayGraphQLResponse> {
    const rows: (FlavorRecord | null)[] = unique.map((rep) => flavors.get(rep.id) ?? null);
    const missing = unique.flatMap((rep, i) => (rows[i] ? [] : [i]));
    flavors.stats.held += unique.length - missing.length;
    flavors.stats.read += missing.length;
    let errors: GatewayGraphQLResponse['errors'];
    if (missing.length) {
      const request = {
        ...options.request,
        query: FULL_FLAVOR_QUERY,
        operationName: undefined,
        variables: { representations: missing.map((i) => unique[i]) },
      };
      let response: GatewayGraphQLResponse;
      try {
        response = await super.process({ ...options, request });
      } catch (err) {
        // The global subgraph did not answer: the flavors held still do, the others are null and said so.
        response = { errors: [this.unavailable(err, options.context?.requestId)] };
      }
      const fetched = response.data?._entities;
      missing.forEach((u, j) => {
        const row = Array.isArray(fetched) ? (fetched[j] as FlavorRecord | null) : null;
        flavors.learn(row);
        rows[u] = row ?? null;
      });
      // An error about the j-th flavor read is about the unique flavor it was.
      errors = response.errors?.map((error) => reindexError(error, '_entities', missing));
    }
    const data = { _entities: rows.map((row) => (row ? projectFlavor(row, fields) : null)) };
    return errors?.length ? { data, errors } : { data };
  }

  // A fixed message per cause; the URL, the status text and the body go to the log only.
  private unavailable(err: unknown, requestId?: string): GraphQLFormattedError {
    const status = (err as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
    let message: string;
    if (err instanceof GlobalUnavailableError) message = err.message;
    else if (typeof status === 'number') message = `global subgraph answered HTTP ${status}`;
    else message = 'global subgraph answered wrongly';
    this.options.logger.warn(
      { requestId, err: (err as Error).message, code: (err as { code?: string }).code },
      'global subgraph fetch failed',
    );
    return { message, extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE } };
  }
}

function changesCells(query: string): boolean {
  if (!/^\s*mutation\b/.test(query)) return false;
  try {
    return parse(query).definitions.some(
      (d) =>
        d.kind === Kind.OPERATION_DEFINITION &&
        d.selectionSet.selections.some((s) => s.kind === Kind.FIELD && CELL_MUTATIONS.has(s.name.value)),
    );
  } catch {
    return false;
  }
}
