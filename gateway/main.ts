import { createLogger } from '../infrastructure/logger';
import { startTracing, stopTracing } from '../infrastructure/tracing';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

// Load config, build, listen; no logic here.
async function main(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const config = loadGatewayConfig();
  startTracing('cells-gateway');
  const logger = createLogger('gateway', config.logLevel);
  const gateway = await startGateway(config, logger);
  const site = gateway.url.replace(/\/graphql$/, '');
  logger.info({ url: gateway.url, dashboard: `${site}/`, graphiql: `${site}/graphiql` }, 'gateway ready');
  if (gateway.ops)
    logger.info({ url: gateway.ops.url }, 'operations endpoints (/healthz, /readyz, /metrics) without a token');
  console.log(
    `gateway ready at ${gateway.url}\n  dashboard: ${site}/  GraphiQL: ${site}/graphiql\n  try: curl -s ${gateway.url} -H "authorization: Bearer $(npm run -s token -- --project demo)" -H 'content-type: application/json' -d '{"query":"{ instances(first: 5) { edges { node { uuid displayName status } } complete cells { cellName status } } }"}'`,
  );
  // Spans not yet exported are flushed before the exit.
  const stop = () =>
    gateway
      .close()
      .finally(() => stopTracing())
      .finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
