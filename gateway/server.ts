import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startGraphQLHttpServer, headerValue, type RunningHttpServer } from '../infrastructure/httpServer';
import { leanPlugins } from '../infrastructure/leanPlugins';
import { silentLogger, type Logger } from '../infrastructure/logger';
import { AuthenticationError, Authenticator } from './auth';
import { CellDirectory } from './cellRouter/cellDirectory';
import { CellRouterDataSource } from './cellRouter/cellRouterDataSource';
import { MappingCache } from './cellRouter/mappingCache';
import { MappingNotifications } from './cellRouter/mappingNotifications';
import { RedisMappings } from './cellRouter/redisMappings';
import { GATEWAY_DEFAULTS, type GatewayConfig } from './config';
import type { GatewayContext } from './context';
import { gatewayErrors } from './formatError';
import { GlobalClient } from './globalClient';
import { GlobalDataSource } from './globalDataSource';
import { inputGuardPlugin } from './inputGuard';
import { limitsPlugin, parseOptions } from './limits';
import { GlobalTransport } from './globalTransport';
import { PublicFlavors } from './publicFlavors';
import { GatewayMetrics } from './metrics';
import { guardedOpsRoutes, startOpsServer, type OpsEndpoints, type RunningOpsServer } from './opsEndpoints';
import { readinessRoute } from './readiness';
import { composeSupergraph, expectedCellSdl, readSubgraphSdls } from './supergraph';
import { eventsDataSource, httpSubscriptionsRefused, LiveEvents } from './events/liveEvents';
import { webApp } from './webApp';
import { devSignInRoutes } from './devSignIn';
import { installResultShaping } from './resultShaping';

export interface RunningGateway extends RunningHttpServer {
  router: CellRouterDataSource;
  directory: CellDirectory;
  global: GlobalClient;
  mappingCache: MappingCache;
  /** The LISTEN connection for mapping changes (config.mappingNotifyUrl), when one was asked for. */
  notifications: MappingNotifications | null;
  metrics: GatewayMetrics;
  /** The operations listener (config.ops), when one was asked for. */
  ops: RunningOpsServer | null;
  /** Requests the planner sent to the global subgraph (the router's own are in global.requests). */
  plannedGlobalRequests: { count: number };
  /** Live instance events: every cell's stream and every subscriber (Subscription.instanceEvents). */
  events: LiveEvents;
  /** Public flavors held to answer the planner's flavor look-ups (gateway/publicFlavors.ts). */
  publicFlavors: PublicFlavors;
}

/**
 * Starts the gateway: the supergraph composed in code, the global subgraph behind a
 * forwarding data source, every cell behind the cell router, JWT authentication before
 * planning, limits, and /healthz, /readyz, /metrics beside /graphql. Subscriptions are
 * served by the gateway itself (gateway/events): WebSocket at /graphql, SSE at /graphql/stream.
 * The dashboard is served at / and GraphiQL at /graphiql (gateway/webApp).
 */
export async function startGateway(config: GatewayConfig, logger: Logger = silentLogger()): Promise<RunningGateway> {
  const sdls = readSubgraphSdls();
  const supergraphSdl = composeSupergraph(sdls);
  // One pool and deadline for every call to the global subgraph: the router's and the planner's.
  const transport = new GlobalTransport(
    config.globalUrl,
    config.globalTimeoutMs ?? GATEWAY_DEFAULTS.globalTimeoutMs,
    // A config built in code that sets only the query deadline (tests) uses it for both.
    config.globalMutationTimeoutMs ?? config.globalTimeoutMs ?? GATEWAY_DEFAULTS.globalMutationTimeoutMs,
  );
  const global = new GlobalClient(transport, config.internalSecret);
  const directory = new CellDirectory({
    global,
    timeoutMs: config.cellTimeoutMs,
    refreshIntervalMs: config.cellRefreshMs,
    expectedSdl: expectedCellSdl(sdls.cell),
    circuit: config.circuit ?? GATEWAY_DEFAULTS.circuit,
    logger,
    onCellGone: (cellUuid) => mappingCache.forgetCell(cellUuid),
  });
  // Connects in the background: a gateway starts, and answers, whether or not Redis is there.
  const redis = config.mappingCacheRedis
    ? new RedisMappings(config.mappingCacheRedis, config.mappingCacheTtlMs, logger)
    : undefined;
  const mappingCache = new MappingCache(global, {
    max: config.mappingCacheMax,
    ttlMs: config.mappingCacheTtlMs,
    knowsCell: (uuid) => directory.knows(uuid),
    shared: redis,
    layers: config.mappingCacheRedis?.layers,
  });
  const metrics = new GatewayMetrics(
    mappingCache.stats,
    () => global.requests,
    () => directory.circuits(),
    redis,
  );
  await directory.start();
  const events = new LiveEvents({
    global,
    settings: config.events ?? GATEWAY_DEFAULTS.events,
    refreshMs: config.cellRefreshMs,
    logger,
  });
  await events.start();
  const plannedGlobalRequests = { count: 0 };
  const publicFlavors = new PublicFlavors();
  metrics.watchFlavors(publicFlavors);
  const limits = config.limits ?? GATEWAY_DEFAULTS.limits;
  const router = new CellRouterDataSource({
    directory,
    mappingCache,
    global,
    metrics,
    logger,
    internalSecret: config.internalSecret,
    timeoutMs: config.cellTimeoutMs,
    maxFirst: config.maxFirst,
    maxCellRequestsInFlight: limits.maxCellRequestsInFlight,
  });
  installResultShaping(config.resultShaping ?? 'compiled');
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) =>
      name === 'cell'
        ? router
        : name === 'events'
          ? eventsDataSource
          : new GlobalDataSource({
              url: config.globalUrl,
              secret: config.internalSecret,
              counter: plannedGlobalRequests,
              transport,
              logger,
              publicFlavors,
              onCellMappingsChanged: async () => {
                void events.hub.refresh();
                await directory.refresh();
              },
            }),
  });
  // Replicas: a mapping changed through another gateway (or the CLI) is seen at once.
  const refreshAfterChange = () => {
    void events.hub.refresh();
    void directory.refreshAfterChange().then((outcome) => {
      if (!outcome.ok)
        logger.warn({ err: outcome.message, detail: outcome.detail }, 'cell mapping refresh after a change failed');
    });
  };
  const notifications = config.mappingNotifyUrl
    ? new MappingNotifications({
        databaseUrl: config.mappingNotifyUrl,
        onCellChange: refreshAfterChange,
        onInstanceChange: (uuid) => void mappingCache.forget(uuid),
        onResync: () => {
          void mappingCache.clear();
          refreshAfterChange();
        },
        logger,
      })
    : null;
  notifications?.start();
  metrics.watch(
    () => events.hub.streamStates().map((s) => ({ cell: s.cellName ?? s.cellUuid, live: s.live })),
    notifications ? () => notifications.phase() === 'listening' : undefined,
  );
  const errors = gatewayErrors(logger);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    csrfPrevention: true,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    parseOptions: parseOptions(limits),
    plugins: [
      limitsPlugin({ ...limits, maxDepth: config.maxDepth, maxComplexity: config.maxComplexity }, () =>
        directory.all().then((cells) => cells.length),
      ),
      httpSubscriptionsRefused,
      inputGuardPlugin({ patternError: (pattern, requestId) => global.namePatternError(pattern, requestId) }),
      errors.plugin,
      ...leanPlugins<GatewayContext>(),
    ],
    formatError: errors.formatError,
    // The process entry point owns shutdown (stopOnSignal); one handler per server would pile up in tests.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const authenticator = new Authenticator(config.jwt);
  const opsEndpoints: OpsEndpoints = {
    readiness: readinessRoute(directory),
    metrics: async () => ({
      status: 200,
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }),
  };
  const http = await startGraphQLHttpServer<GatewayContext>({
    apollo,
    logger,
    spanAttributes: { 'cells.process': 'gateway' },
    port: config.port,
    host: config.host,
    maxBodyBytes: config.maxBodyBytes,
    authenticate: async (req, requestId) => {
      try {
        const identity = await authenticator.verify(headerValue(req, 'authorization'));
        return { ok: true, context: { identity, requestId } };
      } catch (err) {
        if (err instanceof AuthenticationError) return { ok: false, status: 401, message: err.message };
        throw err;
      }
    },
    routes: { ...guardedOpsRoutes(opsEndpoints, authenticator), ...devSignInRoutes(config.jwt) },
    streams: { '/graphql/stream': (req, res) => events.sse(req, res) },
    pages: webApp(config.webRoot),
  });
  // Apollo Gateway executes no subscriptions: the gateway serves them over the same schema.
  events.serve(http.server, {
    schema: () => gateway.schema!,
    authenticator,
    maxPayloadBytes: config.maxBodyBytes,
    maxTokens: limits.maxTokens,
  });
  let ops: RunningOpsServer | null = null;
  if (config.ops) {
    try {
      ops = await startOpsServer(opsEndpoints, { ...config.ops, logger });
    } catch (err) {
      // A busy operations port stops the gateway as a busy main port does.
      await notifications?.close();
      await events.close();
      await http.close();
      await apollo.stop();
      directory.stop();
      await redis?.close();
      throw err;
    }
  }
  return {
    ...http,
    router,
    directory,
    global,
    mappingCache,
    metrics,
    ops,
    plannedGlobalRequests,
    events,
    publicFlavors,
    notifications,
    close: async () => {
      await ops?.close();
      await notifications?.close();
      await events.close();
      await http.close();
      await apollo.stop();
      directory.stop();
      transport.close();
      await redis?.close();
    },
  };
}
