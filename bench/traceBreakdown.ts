/**
 * `npx tsx bench/traceBreakdown.ts [--cells 3] [--instances 2000] [--runs 20]`: where a
 * `list-1000-detail` page's time goes, read from its trace. Starts a bench fleet whose
 * cell subgraphs run in child processes (`--hosting processes`, one event loop each, as
 * deployed); the gateway and the global subgraph here record into memory, the cells
 * export over OTLP to a collector in this process. Prints the median of each duration
 * over the traced pages; JSON to bench/results/trace-breakdown-c<C>-n<N>-<shaping>.json.
 * `--result-shaping apollo` has the gateway shape answers with Apollo Gateway's own walk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Command } from 'commander';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RESULT_SHAPINGS, type ResultShaping } from '../gateway/resultShaping';
import { startTracing, stopTracing } from '../infrastructure/tracing';
import { DEFAULTS } from '../infrastructure/configSchema';
import { bearer, expectData, post } from './client';
import { dropOwnDatabases, startFleet } from './fleet';
import { oneOf } from './options';
import { readPoolBudget } from './poolBudget';
import { LIST_DETAIL } from './queries';
import { fleetInstances } from './rows';

/** A finished span from either source, times in ms. */
interface Rec {
  traceId: string;
  spanId: string;
  parentId?: string;
  name: string;
  start: number;
  end: number;
  attrs: Record<string, unknown>;
}

const fromSdk = (s: ReadableSpan): Rec => ({
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentId: s.parentSpanContext?.spanId,
  name: s.name,
  start: s.startTime[0] * 1000 + s.startTime[1] / 1e6,
  end: s.endTime[0] * 1000 + s.endTime[1] / 1e6,
  attrs: s.attributes,
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

const fromOtlp = (s: OtlpSpan): Rec => ({
  traceId: s.traceId,
  spanId: s.spanId,
  parentId: s.parentSpanId || undefined,
  name: s.name,
  start: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
  end: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000,
  attrs: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]])),
});

/** Keeps the spans the cell processes export (OTLP/HTTP JSON). */
async function startCollector(): Promise<{ url: string; spans: Rec[]; close(): void }> {
  const spans: Rec[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans.map(fromOtlp));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, close: () => server.close() };
}

const ms = (s: Rec) => s.end - s.start;
const sum = (spans: Rec[]) => spans.reduce((n, s) => n + ms(s), 0);

// Wall time covered by `spans`: statements of one cell, and the planner's global fetches, run side by side.
function covered(spans: Rec[]): number {
  let total = 0;
  let until = -Infinity;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.end <= until) continue;
    total += s.end - Math.max(s.start, until);
    until = s.end;
  }
  return total;
}

/** One page's trace, reduced to the durations (ms) that tell where the time went. */
function breakdown(spans: Rec[], clientMs: number): Record<string, number> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const under = (s: Rec, ancestor: Rec) => {
    for (let at: Rec | undefined = s; at; at = byId.get(at.parentId ?? '')) if (at === ancestor) return true;
    return false;
  };
  const named = (name: string) => spans.filter((s) => s.name === name);
  const root = spans.find((s) => !s.parentId)!;
  const sql = spans.filter((s) => s.attrs['db.system'] === 'postgresql');
  const fetches = named('gateway.fetch');
  const cellServers = spans.filter((s) => s.attrs['cells.process'] === 'cell' && s.name.startsWith('POST'));
  const globalServers = spans.filter((s) => s.attrs['cells.process'] === 'global' && s.name.startsWith('POST'));
  const perCell = cellServers.map((server) => {
    const statements = sql.filter((s) => under(s, server));
    return { server: ms(server), sqlWall: covered(statements), sqlSum: sum(statements), count: statements.length };
  });
  const slowest = perCell.reduce((a, b) => (b.server > a.server ? b : a));
  const cellRequests = named('cells.cell_request');
  const globalSql = sql.filter((s) => globalServers.some((g) => under(s, g)));
  return {
    'client round trip': clientMs,
    'gateway request (root span)': ms(root),
    'gateway.execute (the plan)': sum(named('gateway.execute')),
    'gateway.fetch cell (cell router: fan-out, merge, shaping)': sum(fetches.filter((s) => s.attrs.service === 'cell')),
    'gateway.fetch global (the flavor look-up; public flavors held answer in the gateway), wall': covered(
      fetches.filter((s) => s.attrs.service === 'global'),
    ),
    'gateway.fetch global, count': fetches.filter((s) => s.attrs.service === 'global').length,
    'gateway.postprocessing (shaping the answer)': sum(named('gateway.postprocessing')),
    'cell requests (count)': cellRequests.length,
    'cell request, slowest': Math.max(...cellRequests.map(ms)),
    'cell request, fastest': Math.min(...cellRequests.map(ms)),
    'cell server span (slowest cell)': slowest.server,
    'cell SQL statements (slowest cell)': slowest.count,
    'cell SQL wall time (slowest cell)': slowest.sqlWall,
    'cell SQL summed (slowest cell)': slowest.sqlSum,
    'cell server minus its SQL wall (slowest cell)': slowest.server - slowest.sqlWall,
    'global requests (count)': named('cells.global_request').length,
    'global requests, wall': covered(named('cells.global_request')),
    'global server spans, wall': covered(globalServers),
    'global SQL statements': globalSql.length,
    'global SQL, wall': covered(globalSql),
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
    .option(
      '--result-shaping <how>',
      `the gateway's answer shaping, ${RESULT_SHAPINGS.join(' or ')}`,
      oneOf('--result-shaping', RESULT_SHAPINGS),
      'compiled' as ResultShaping,
    )
    .parse(process.argv)
    .opts<{ cells: number; instances: number; runs: number; warmup: number; resultShaping: ResultShaping }>();
  const exporter = new InMemorySpanExporter();
  startTracing('cells-bench', { exporter });
  const collector = await startCollector();
  // The cell host children inherit these: OTLP to the collector, exported within 50 ms.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
  const pgUrl = process.env.CELLS_PG_URL ?? DEFAULTS.pgUrl;
  const budget = await readPoolBudget(pgUrl, o.cells);
  const cellRows = Array.from({ length: o.cells }, (_, i) => fleetInstances(i, o.cells, o.instances));
  const fleet = await startFleet({
    label: 't',
    cellRows,
    hosting: 'processes',
    pgUrl,
    cellPoolMax: budget.perCell,
    resultShaping: o.resultShaping,
  });
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
      const local = exporter.getFinishedSpans().map(fromSdk);
      const traceId = local.find((s) => !s.parentId && s.attrs['cells.process'] === 'gateway')!.traceId;
      // Wait for the cells' export of this trace.
      const deadline = Date.now() + 5000;
      const fromCells = () => collector.spans.filter((s) => s.traceId === traceId && s.name.startsWith('POST'));
      while (fromCells().length < o.cells && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 150));
      const spans = [...local, ...collector.spans].filter((s) => s.traceId === traceId);
      runs.push(breakdown(spans, clientMs));
    }
    const table = Object.keys(runs[0]).map((name) => ({ span: name, median: median(runs.map((r) => r[name])) }));
    const lines = ['| span | median (ms, or count) |', '|---|---|'];
    for (const row of table) lines.push(`| ${row.span} | ${Math.round(row.median * 10) / 10} |`);
    console.log(lines.join('\n'));
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `trace-breakdown-c${o.cells}-n${o.instances}-${o.resultShaping}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ options: o, startedAt: new Date().toISOString(), table, runs }, null, 2)}\n`,
    );
    console.error(`written ${file}`);
  } finally {
    await fleet.close();
    await dropOwnDatabases(pgUrl).catch(() => undefined);
    await stopTracing();
    collector.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
