/**
 * `npm run bench`: C cells x N instances behind the gateway, every scenario of issue 6,
 * the sharding and federation ratios against one big cell, counted work per request.
 * JSON to stdout and bench/results/<name>.json; progress on stderr. Never touches the
 * default deployment: its databases are `cells_bench_*`, dropped at the end.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dropOwnDatabases, startFleet, type Fleet } from './fleet';
import { parseBenchOptions, type BenchOptions, type ScenarioName } from './options';
import { hostingDescription, machineInfo } from './report';
import { fleetInstances, type BenchInstance } from './rows';
import { oneCellBlackHoled } from './scenarios/blackHoled';
import { oneCellFrozen } from './scenarios/oneCellFrozen';
import { viaGateway, type ScenarioContext } from './scenarios/context';
import { instanceByUuid } from './scenarios/instanceByUuid';
import { list1000Detail, list1000NextPage, list50Dashboard } from './scenarios/lists';
import { pageSql } from './scenarios/pageSql';
import { dataFloor } from './scenarios/dataFloor';
import { readPoolBudget } from './poolBudget';
import { oneCellBaseline } from './scenarios/ratios';
import { throughput } from './scenarios/throughput';
import { memory } from './scenarios/memory';
import { LIST_DETAIL } from './queries';
import { printSummary, summarizeRun } from './summary';
import { pointSummary, rowsPerCell, type SweepPoint, type SweepReport } from './sweep';
import { renderChart } from './chart';
import { startTracing, stopTracing } from '../infrastructure/tracing';

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const open = new Set<Fleet>();

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv);
  if (options.cellsSweep) return sweep(options, options.cellsSweep);
  // With OTEL_EXPORTER_OTLP_ENDPOINT set the bench measures traced requests (README, Tracing).
  const tracing = startTracing('cells-bench');
  const run = (name: ScenarioName) => options.scenarios.includes(name);
  const report: Record<string, any> = {
    name: options.out,
    startedAt: new Date().toISOString(),
    machine: await machineInfo(options.pgUrl),
    config: options,
    tracing: tracing.enabled,
    hosting: hostingDescription(options.hosting, options),
    seeding: {},
    scenarios: {},
  };
  const cellRows = Array.from({ length: options.cells }, (_, i) => fleetInstances(i, options.cells, options.instances));

  const budget = await readPoolBudget(options.pgUrl, options.cells);
  report.poolBudget = budget;
  log(
    `cell pools: ${budget.perCell} connection(s) each (max_connections ${budget.maxConnections}, ${budget.cells} cells)`,
  );
  const fleet = await setUp('f', cellRows, options, budget.perCell);
  report.seeding.fleet = fleet.seeding;
  const ctx: ScenarioContext = { fleet, options, log };
  try {
    const scenarios = report.scenarios;
    Object.assign(scenarios, await listScenarios(ctx));
    if (run('instance-by-uuid'))
      scenarios['instance-by-uuid'] = await step('instance-by-uuid', () => instanceByUuid(ctx));
    report.sqlPerPage = await step('SQL per cell per page', () =>
      pageSql(ctx, fleet.gateway, (first) => viaGateway(ctx, fleet.gateway, LIST_DETAIL, { first })),
    );
    if (run('one-cell-black-holed'))
      scenarios['one-cell-black-holed'] = await step('one-cell-black-holed', () => oneCellBlackHoled(ctx));
    if (run('one-cell-frozen')) scenarios['one-cell-frozen'] = await step('one-cell-frozen', () => oneCellFrozen(ctx));
    if (run('throughput'))
      scenarios.throughput = await step(`throughput (${options.duration} s)`, () => throughput(ctx));
    if (run('memory'))
      scenarios.memory =
        options.hosting !== 'in-process'
          ? await step(`memory (throughput ${options.duration} s)`, () => memory(ctx))
          : {
              skipped:
                'needs cell subgraphs in child processes (--hosting processes or cells-process), for their own RSS',
            };
  } finally {
    await tearDown(fleet);
  }

  if (run('ratios')) {
    const one = await setUp('one', [cellRows.flat()], options, (await readPoolBudget(options.pgUrl, 1)).perCell);
    report.seeding.oneCell = one.seeding;
    try {
      report.oneCell = await step('one big cell: gateway and direct', () =>
        oneCellBaseline({ fleet: one, options, log }),
      );
    } finally {
      await tearDown(one);
    }
  }
  report.finishedAt = new Date().toISOString();
  report.summary = summarizeRun(report, options);
  const file = write(report, options);
  printSummary(report.summary, log);
  log(`wrote ${file}`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/**
 * `--cells-sweep`: the list scenarios at each cell count over the same total rows, one
 * deployment per point (set up, measured, torn down before the next), one JSON with
 * every point and its SVG chart beside it.
 */
async function sweep(options: BenchOptions, counts: number[]): Promise<void> {
  const report: SweepReport = {
    kind: 'cells-sweep',
    name: options.out,
    startedAt: new Date().toISOString(),
    machine: await machineInfo(options.pgUrl),
    config: options,
    hosting: hostingDescription(options.hosting, options),
    totalInstances: options.totalInstances,
    points: [],
  };
  for (const cells of counts) {
    const perCell = rowsPerCell(options.totalInstances, cells);
    const budget = await readPoolBudget(options.pgUrl, cells);
    log(`sweep point: ${cells} cell(s), ${perCell[0]} instances each, pools of ${budget.perCell}`);
    const cellRows = perCell.map((n, i) => fleetInstances(i, cells, n));
    const fleet = await setUp(`s${cells}`, cellRows, options, budget.perCell);
    const pointOptions = { ...options, cells, instances: perCell[0] };
    const point: Record<string, any> = { cells, instancesPerCell: perCell, poolBudget: budget, seeding: fleet.seeding };
    try {
      point.scenarios = await listScenarios({ fleet, options: pointOptions, log });
    } finally {
      await tearDown(fleet);
    }
    point.summary = pointSummary(summarizeRun(point, pointOptions));
    report.points.push(point as SweepPoint);
    for (const [name, p50] of Object.entries(point.summary.p50Ms)) log(`${cells} cell(s): p50 ${name} ${p50} ms`);
    log(`${cells} cell(s): p50 data-floor ${point.summary.floorP50Ms.dataFloor ?? '-'} ms`);
  }
  report.finishedAt = new Date().toISOString();
  const file = write(report, options);
  log(`wrote ${file}`);
  const svg = file.replace(/\.json$/, '.svg');
  writeFileSync(svg, await renderChart(report));
  log(`wrote ${svg}`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/** The list scenarios and their floor, in the plain run's order (those options.scenarios names). */
async function listScenarios(ctx: ScenarioContext): Promise<Record<string, unknown>> {
  const run = (name: ScenarioName) => ctx.options.scenarios.includes(name);
  const scenarios: Record<string, unknown> = {};
  if (run('list-1000-detail'))
    scenarios['list-1000-detail'] = await step('list-1000-detail', () => list1000Detail(ctx));
  if (run('list-1000-next-page'))
    scenarios['list-1000-next-page'] = await step('list-1000-next-page', () => list1000NextPage(ctx));
  if (run('list-50-dashboard'))
    scenarios['list-50-dashboard'] = await step('list-50-dashboard', () => list50Dashboard(ctx));
  if (run('data-floor')) scenarios['data-floor'] = await step('data-floor', () => dataFloor(ctx));
  return scenarios;
}

async function setUp(
  label: string,
  cellRows: BenchInstance[][],
  options: BenchOptions,
  cellPoolMax: number,
): Promise<Fleet & { seeding: Fleet['seeding'] & { cells: number; setupMs: number } }> {
  const total = cellRows.reduce((n, rows) => n + rows.length, 0);
  log(`setting up ${label}: ${cellRows.length} cell(s), ${total} instances (${options.hosting})`);
  const started = performance.now();
  const fleet = await startFleet({
    label,
    cellRows,
    hosting: options.hosting,
    pgUrl: options.pgUrl,
    cellPoolMax,
    cellExecution: options.cellExecution,
    resultShaping: options.resultShaping,
    cellPoolIdleMs: options.cellPoolIdleMs,
    userDataBytes: options.userDataBytes,
  });
  open.add(fleet);
  const setupMs = Math.round(performance.now() - started);
  log(`${label} ready in ${setupMs} ms (cell databases seeded in ${fleet.seeding.cellsMs} ms)`);
  return Object.assign(fleet, { seeding: { ...fleet.seeding, cells: cellRows.length, setupMs } });
}

async function tearDown(fleet: Fleet): Promise<void> {
  open.delete(fleet);
  await fleet.close();
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  log(`${name} ...`);
  const started = performance.now();
  const result = await fn();
  log(`${name} done in ${Math.round(performance.now() - started)} ms`);
  return result;
}

function write(report: object, options: BenchOptions): string {
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${options.out}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

// Ctrl-C or a crash still drops the bench's databases.
async function abort(reason: unknown): Promise<never> {
  log(`aborting: ${reason instanceof Error ? reason.stack : String(reason)}`);
  for (const fleet of open) await fleet.close().catch(() => undefined);
  const dropped = await dropOwnDatabases(parseBenchOptions(process.argv).pgUrl).catch(() => []);
  if (dropped.length) log(`dropped ${dropped.join(', ')}`);
  process.exit(1);
}
process.once('SIGINT', () => void abort('SIGINT'));
process.once('SIGTERM', () => void abort('SIGTERM'));

main().then(
  () => stopTracing().then(() => process.exit(0)),
  (err) => void abort(err),
);
