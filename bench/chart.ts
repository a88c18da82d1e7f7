/**
 * The bench's picture: p50 per list scenario against the cell count, the data floor as
 * a dashed line, from a `--cells-sweep` JSON (or a plain run's, one point). Vega-Lite
 * compiles the spec and vega renders it to SVG in Node with no browser and no canvas
 * (text is measured by estimate). Both are ES modules with top-level await, hence the
 * dynamic imports.
 */
import type { SweepReport } from './sweep';

/** One mark of the chart: a scenario's p50 at a cell count. */
export interface ChartRow {
  cells: number;
  scenario: string;
  p50Ms: number;
}

export const FLOOR_SERIES = 'data-floor';

/** What the chart draws, read from a sweep report or a plain run's report. */
export interface ChartData {
  rows: ChartRow[];
  title: string;
  subtitle: string[];
}

type AnyReport = Record<string, any>;

function points(report: AnyReport): { cells: number; p50Ms: Record<string, number>; floor: number | null }[] {
  if (report.kind === 'cells-sweep')
    return (report as SweepReport).points.map((p) => ({
      cells: p.cells,
      p50Ms: p.summary.p50Ms,
      floor: p.summary.floorP50Ms.dataFloor,
    }));
  if (report.summary?.p50Ms && report.config?.cells)
    return [
      { cells: report.config.cells, p50Ms: report.summary.p50Ms, floor: report.summary.floorP50Ms?.dataFloor ?? null },
    ];
  throw new Error('chart: expected a bench JSON (a --cells-sweep run or a plain run with its summary)');
}

/** The rows and titles of a bench JSON: list scenarios and the floor, with where they ran. */
export function chartData(report: AnyReport): ChartData {
  const rows: ChartRow[] = [];
  for (const point of points(report)) {
    for (const [scenario, p50Ms] of Object.entries(point.p50Ms))
      if (scenario.startsWith('list-')) rows.push({ cells: point.cells, scenario, p50Ms });
    if (point.floor !== null) rows.push({ cells: point.cells, scenario: FLOOR_SERIES, p50Ms: point.floor });
  }
  if (rows.length === 0) throw new Error('chart: the bench JSON has no list scenario or data floor to draw');
  const total: number =
    report.kind === 'cells-sweep' ? report.totalInstances : report.config.cells * report.config.instances;
  const m = report.machine ?? {};
  const date = String(report.startedAt ?? '').slice(0, 10);
  return {
    rows,
    title: `Cells bench: p50 per scenario against cells, ${total.toLocaleString('en-US')} instances in total`,
    subtitle: [
      `${m.cpus} x ${m.cpuModel}, ${m.memoryGb} GB memory, ${date}`,
      `PostgreSQL ${String(m.postgres).split(' ')[0]}, Node.js ${m.node}, ${String(report.hosting).split(':')[0]} hosting`,
    ],
  };
}

/** The Vega-Lite spec: one coloured line per list scenario, the floor dashed and black. */
export function chartSpec(data: ChartData): Record<string, unknown> {
  const x = {
    field: 'cells',
    type: 'ordinal',
    title: 'cells (same total rows)',
    sort: 'ascending',
    axis: { labelAngle: 0 },
  };
  const y = {
    field: 'p50Ms',
    type: 'quantitative',
    title: 'p50 (ms, log scale)',
    scale: { type: 'log', nice: false, padding: 12 },
  };
  const lists = data.rows.filter((r) => r.scenario !== FLOOR_SERIES);
  const floor = data.rows.filter((r) => r.scenario === FLOOR_SERIES);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: data.title, subtitle: data.subtitle, anchor: 'start' },
    width: 520,
    height: 320,
    background: 'white',
    layer: [
      {
        data: { values: lists },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y,
          color: { field: 'scenario', type: 'nominal', title: 'scenario' },
          tooltip: [{ field: 'scenario' }, { field: 'cells' }, { field: 'p50Ms' }],
        },
      },
      {
        data: { values: floor },
        mark: { type: 'line', point: { filled: false, color: 'black' }, strokeDash: [6, 4], color: 'black' },
        encoding: { x, y, tooltip: [{ field: 'cells' }, { field: 'p50Ms' }] },
      },
      {
        data: { values: floor.slice(-1) },
        mark: { type: 'text', align: 'left', dx: 8, dy: -8, text: 'data floor (pg directly)' },
        encoding: { x, y },
      },
    ],
  };
}

/** Renders a bench JSON's chart to an SVG string. */
export async function renderChart(report: AnyReport): Promise<string> {
  const vega = await import('vega');
  const { compile } = await import('vega-lite');
  const { spec } = compile(chartSpec(chartData(report)) as never);
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
