/**
 * `npx tsx bench/traceBreakdown.ts [--cells 3] [--instances 2000] [--runs 20]`: where a
 * `list-1000-detail` page's time goes, read from its trace. Starts a bench fleet in this
 * process with tracing on into memory, sends the page (warm-up first), and prints the
 * median duration of each span kind over the runs; JSON to bench/results/trace-breakdown-c<C>-n<N>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, stopTracing } from '../infrastructure/tracing';
import { bearer, expectData, post } from './client';
import { dropOwnDatabases, startFleet } from './fleet';
import { readPoolBudget } from './poolBudget';
import { LIST_DETAIL } from './queries';
import { fleetInstances } from './rows';
import { DEFAULTS } from '../infrastructure/configSchema';

const ms = (span: ReadableSpan) => span.duration[0] * 1000 + span.duration[1] / 1e6;
const attr = (span: ReadableSpan, name: string) => span.attributes[name];
const sum = (spans: ReadableSpan[]) => spans.reduce((n, s) => n + ms(s), 0);
const max = (spans: ReadableSpan[]) => spans.reduce((n, s) => Math.max(n, ms(s)), 0);

/** One page's trace, reduced to the durations (ms) of the spans that tell where the time went. */
function breakdown(spans: ReadableSpan[], clientMs: number): Record<string, number> {
  const named = (name: string) => spans.filter((s) => s.name === name);
  const root = spans.find((s) => !s.parentSpanContext)!;
  const cellServers = spans.filter((s) => attr(s, 'cells.process') === 'cell');
  const globalServers = spans.filter((s) => attr(s, 'cells.process') === 'global');
  const underProcess = (process: string) => (s: ReadableSpan) => {
    const byId = new Map(spans.map((x) => [x.spanContext().spanId, x]));
    for (let at: ReadableSpan | undefined = s; at; at = byId.get(at.parentSpanContext?.spanId ?? ''))
      if (attr(at, 'cells.process') === process && at.kind === 1) return true;
    return false;
  };
  const sql = spans.filter((s) => attr(s, 'db.system') === 'postgresql');
  const cellSql = sql.filter(underProcess('cell'));
  const globalSql = sql.filter(underProcess('global'));
  const fetches = named('gateway.fetch');
  const cellRequests = named('cells.cell_request');
  const perCell = (name: string, list: ReadableSpan[]) => list.filter((s) => attr(s, 'cells.cell.name') === name);
  const cells = [...new Set(cellRequests.map((s) => String(attr(s, 'cells.cell.name'))))];
  return {
    'client round trip': clientMs,
    'gateway request (root span)': ms(root),
    'gateway.validate': sum(named('gateway.validate')),
    'gateway.plan (query planning, cache miss only)': sum(named('gateway.plan')),
    'gateway.execute (the plan)': sum(named('gateway.execute')),
    'gateway.fetch cell (router: fan-out, merge, shaping)': sum(fetches.filter((s) => attr(s, 'service') === 'cell')),
    'gateway.fetch global (entities)': sum(fetches.filter((s) => attr(s, 'service') === 'global')),
    'gateway.postprocessing': sum(named('gateway.postprocessing')),
    'cell requests (count)': cellRequests.length,
    'cell request, slowest cell': Math.max(...cells.map((c) => sum(perCell(c, cellRequests)))),
    'cell request, fastest cell': Math.min(...cells.map((c) => sum(perCell(c, cellRequests)))),
    'cell server span, slowest cell': max(cellServers),
    'cell SQL statements per cell': cellSql.length / Math.max(1, cells.length),
    'cell SQL time, slowest cell': Math.max(
      ...cells.map((c) => sum(cellSql.filter((s) => String(attr(s, 'db.name')).endsWith(`_${c}`)))),
    ),
    'cell SQL time, all cells': sum(cellSql),
    'global requests (count)': named('cells.global_request').length,
    'global requests, total': sum(named('cells.global_request')),
    'global server spans, total': sum(globalServers),
    'global SQL statements': globalSql.length,
    'global SQL time': sum(globalSql),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const o = new Command('trace-breakdown')
    .option('--cells <n>', 'cells', (v) => Number(v), 3)
    .option('--instances <n>', 'instances per cell', (v) => Number(v), 2000)
    .option('--runs <n>', 'traced pages', (v) => Number(v), 20)
    .option('--warmup <n>', 'untimed pages first', (v) => Number(v), 10)
    .parse(process.argv)
    .opts<{ cells: number; instances: number; runs: number; warmup: number }>();
  const exporter = new InMemorySpanExporter();
  startTracing('cells-bench', { exporter });
  const pgUrl = process.env.CELLS_PG_URL ?? DEFAULTS.pgUrl;
  const budget = await readPoolBudget(pgUrl, o.cells);
  const cellRows = Array.from({ length: o.cells }, (_, i) => fleetInstances(i, o.cells, o.instances));
  const fleet = await startFleet({ label: 't', cellRows, hosting: 'in-process', pgUrl, cellPoolMax: budget.perCell });
  try {
    const page = async () => {
      const answer = await post(fleet.gateway.url, bearer(fleet.adminToken), LIST_DETAIL, { first: 1000 });
      if (expectData(answer, 'list-1000-detail').instances.edges.length !== 1000) throw new Error('not 1000 rows');
      return answer.ms;
    };
    for (let i = 0; i < o.warmup; i++) await page();
    const runs: Record<string, number>[] = [];
    for (let i = 0; i < o.runs; i++) {
      exporter.reset();
      const clientMs = await page();
      const finished = exporter.getFinishedSpans();
      const root = finished.find((s) => !s.parentSpanContext && attr(s, 'cells.process') === 'gateway')!;
      const traceId = root.spanContext().traceId;
      runs.push(
        breakdown(
          finished.filter((s) => s.spanContext().traceId === traceId),
          clientMs,
        ),
      );
    }
    const table = Object.keys(runs[0]).map((name) => ({ span: name, median: median(runs.map((r) => r[name])) }));
    const lines = ['| span | median (ms or count) |', '|---|---|'];
    for (const row of table) lines.push(`| ${row.span} | ${Math.round(row.median * 10) / 10} |`);
    console.log(lines.join('\n'));
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `trace-breakdown-c${o.cells}-n${o.instances}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ options: o, startedAt: new Date().toISOString(), table, runs }, null, 2)}\n`,
    );
    console.error(`written ${file}`);
  } finally {
    await fleet.close();
    await dropOwnDatabases(pgUrl).catch(() => undefined);
    await stopTracing();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
