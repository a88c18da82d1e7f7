import path from 'node:path';
import { ConfigError } from '../infrastructure/configSchema';
import { bootstrap } from './bootstrap';
import { readDeploymentConfig } from './config';
import { portBusy } from './portCheck';
import { childSpecs } from './processes';
import { startChild, stopChildren, type RunningChild } from './supervisor';
import { defaultTopology } from './topology';

// `npm start [-- --no-servers]`: bootstrap the default deployment, then run every server.
async function main(): Promise<number> {
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const config = readDeploymentConfig(process.env);
  const cells = defaultTopology(config);
  const specs = childSpecs(config, cells);
  const serve = !process.argv.includes('--no-servers');
  if (serve) {
    const busy = [];
    for (const spec of specs)
      for (const port of spec.ports ?? [])
        if (await portBusy(config.host, port)) busy.push(`${spec.name} ${config.host}:${port}`);
    if (busy.length > 0) {
      say(
        `[start] ports already in use: ${busy.join(', ')}. Is another \`npm start\` running? Stop it, or set CELLS_GATEWAY_PORT, CELLS_GLOBAL_PORT, CELLS_CELL_PORT_BASE.`,
      );
      return 1;
    }
  }
  await bootstrap({
    apiDatabaseUrl: config.apiDatabaseUrl,
    cells,
    rabbitmqctl: config.rabbitmqctl,
    seed: config.seed,
    demoInstancesPerCell: config.demoInstancesPerCell,
    log: (line) => say(`[start] ${line}`),
  });
  say(`[start] bootstrap done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!serve) return 0;

  const root = path.resolve(__dirname, '..');
  const children: RunningChild[] = [];
  const launch = (spec: (typeof specs)[number]) => {
    const child = startChild(spec, { root, write: say });
    if (child) children.push(child);
    return child;
  };
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    say(`[start] ${why}: stopping ${children.length} server(s)`);
    await stopChildren(children);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const gateway = specs.find((s) => s.name === 'gateway')!;
  const first = specs
    .filter((s) => s !== gateway)
    .map(launch)
    .filter((c): c is RunningChild => c !== null);
  const outcomes = await Promise.allSettled(first.map((c) => c.ready));
  // The gateway needs the global subgraph; start it only once that one answers.
  const globalReady = first.some((c, i) => c.spec.name === 'global' && outcomes[i].status === 'fulfilled');
  const gatewayChild = globalReady ? launch(gateway) : null;
  if (!globalReady) say('[start] gateway not started: the global subgraph is not running');
  if (gatewayChild) outcomes.push(...(await Promise.allSettled([gatewayChild.ready])));
  say(`[start] ready in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  children.forEach((child, i) => {
    const outcome = outcomes[i];
    const where = child.spec.url ?? 'consuming its cell queue';
    say(
      outcome.status === 'fulfilled'
        ? `[start]   ${child.spec.name.padEnd(16)} ${where}`
        : `[start]   ${child.spec.name.padEnd(16)} NOT READY: ${(outcome.reason as Error).message}`,
    );
  });
  if (gatewayChild) {
    const site = gateway.url!.replace(/\/graphql$/, '');
    say(
      `[start] dashboard: ${site}/   GraphiQL: ${site}/graphiql   (sign in on the dashboard; GraphiQL uses its token)`,
    );
    say(
      `[start] try it: TOKEN=$(npm run -s token -- --project demo) and POST queries to ${gateway.url} with "Authorization: Bearer $TOKEN"`,
    );
  }
  for (const child of children) {
    void child.exited.then(() => {
      if (stopping) return;
      say(`[start] ${child.spec.name} exited (${JSON.stringify(child.state)})`);
      if (children.every((c) => c.state.phase === 'exited')) void stop('every server exited', 1);
    });
  }
  return new Promise<number>(() => undefined);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `[start] ${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  },
);
