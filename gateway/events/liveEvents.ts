import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../../infrastructure/logger';
import type { Authenticator } from '../auth';
import type { EventSettings } from '../config';
import { GlobalUnavailableError, type GlobalClient, type GlobalOutcome } from '../globalClient';
import { EventHub, type EventDirectory } from './eventHub';
import { startSubscriptionServer, type RunningSubscriptionServer } from './subscriptionServer';
import { ErrorCode } from '../../domain/errors';

export interface LiveEventsOptions {
  global: GlobalClient;
  settings: EventSettings;
  /** How often the cell directory is read again (CELLS_CELL_REFRESH_MS). */
  refreshMs: number;
  logger: Logger;
}

/**
 * The gateway's live instance events, in two steps because the WebSocket needs the HTTP
 * server and the server needs the SSE route: the hub starts first (it follows the cells
 * and opens their streams), then `serve` attaches graphql-ws to the server.
 */
export class LiveEvents {
  readonly hub: EventHub;
  private transport: RunningSubscriptionServer | null = null;

  constructor(private readonly options: LiveEventsOptions) {
    this.hub = new EventHub(
      globalEventDirectory(options.global),
      { ...options.settings, refreshMs: options.refreshMs },
      options.logger,
    );
  }

  start(): Promise<void> {
    return this.hub.start();
  }

  /** Serves WebSocket subscriptions on `server` at /graphql. */
  serve(
    server: Server,
    options: { schema: () => GraphQLSchema; authenticator: Authenticator; maxPayloadBytes: number; maxTokens: number },
  ): void {
    this.transport = startSubscriptionServer({
      server,
      hub: this.hub,
      schema: options.schema,
      authenticator: options.authenticator,
      logger: this.options.logger,
      maxPerConnection: this.options.settings.maxPerConnection,
      maxPayloadBytes: options.maxPayloadBytes,
      maxTokens: options.maxTokens,
    });
  }

  /** The SSE route (/graphql/stream); 503 until serve() ran. */
  async sse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.transport) return this.transport.sse(req, res);
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: 'subscriptions are not served yet' }] }));
  }

  async close(): Promise<void> {
    await this.transport?.close();
    await this.hub.close();
  }
}

/**
 * What the hub asks the global subgraph, through the gateway's own client (the service
 * identity). The hub's directory rejects when it cannot answer (the hub keeps what it has).
 */
export function globalEventDirectory(global: GlobalClient): EventDirectory {
  return {
    cells: async () => valueOf(await global.cellTransports()),
    projectCells: async (projectId) =>
      valueOf(await global.listContext({ projectId, cellsOf: true, builds: false, uuids: null })).cellUuids ?? [],
    instanceCells: async (uuids, projectId) =>
      valueOf(await global.mappingsByUuid(uuids))
        .filter((mapping) => projectId === null || mapping.projectId === projectId)
        .map((mapping) => mapping.cellUuid)
        .filter((cell): cell is string => cell !== null),
  };
}

function valueOf<T>(outcome: GlobalOutcome<T>): T {
  if (!outcome.ok) throw new GlobalUnavailableError(outcome.message, outcome.reason);
  return outcome.value;
}

/** Where subscriptions are served, for whoever sends one elsewhere. */
const SUBSCRIPTIONS_HERE =
  'subscriptions are served over WebSocket at /graphql (graphql-ws) and SSE at /graphql/stream (graphql-sse), not over HTTP POST';

/**
 * The data source of the `events` subgraph in the supergraph. Only Subscription lives
 * there, and Apollo Gateway plans no subscriptions, so it is never asked; if it ever were,
 * it answers where subscriptions are served instead of forwarding anywhere.
 */
export const eventsDataSource: GraphQLDataSource = {
  process: async () => ({
    errors: [
      {
        message:
          'subscriptions are served over WebSocket at /graphql (graphql-ws) and SSE at /graphql/stream (graphql-sse)',
        extensions: { code: ErrorCode.BAD_REQUEST },
      },
    ],
  }),
};

/**
 * Refuses a subscription sent over HTTP POST /graphql with HTTP 400 and where to send it,
 * before Apollo Gateway (which plans no subscriptions) would fail it as an internal error.
 */
export const httpSubscriptionsRefused: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription')
          throw new GraphQLError(SUBSCRIPTIONS_HERE, {
            extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
          });
      },
    };
  },
};
