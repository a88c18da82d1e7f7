import { Command, InvalidArgumentError } from 'commander';
import { DEFAULTS } from '../infrastructure/configSchema';
import { CELL_EXECUTIONS, type CellExecution } from '../subgraphs/cell/jitExecution';

/** How cell subgraphs are hosted: all in the bench's process, or one child process each. */
export type Hosting = 'in-process' | 'processes';

export const SCENARIOS = [
  'list-1000-detail',
  'list-1000-next-page',
  'list-50-dashboard',
  'instance-by-uuid',
  'data-floor',
  'one-cell-black-holed',
  'one-cell-frozen',
  'throughput',
  'memory',
  'ratios',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Everything `npm run bench` can be told. */
export interface BenchOptions {
  cells: number;
  instances: number;
  runs: number;
  warmup: number;
  timeoutMs: number;
  concurrency: number;
  duration: number;
  scenarios: ScenarioName[];
  hosting: Hosting;
  /** How the cell subgraphs run queries (CELLS_CELL_EXECUTION): jit (default) or graphql-js. */
  cellExecution: CellExecution;
  out: string;
  pgUrl: string;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

function scenarioList(value: string): ScenarioName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new InvalidArgumentError(
        `--scenarios: expected names from ${SCENARIOS.join(', ')}, got ${JSON.stringify(name)}`,
      );
  }
  if (names.length === 0) throw new InvalidArgumentError('--scenarios: expected at least one name, got none');
  return names as ScenarioName[];
}

function hosting(value: string): Hosting {
  if (value === 'in-process' || value === 'processes') return value;
  throw new InvalidArgumentError(`--hosting: expected in-process or processes, got ${JSON.stringify(value)}`);
}

function cellExecution(value: string): CellExecution {
  if ((CELL_EXECUTIONS as readonly string[]).includes(value)) return value as CellExecution;
  throw new InvalidArgumentError(
    `--cell-execution: expected ${CELL_EXECUTIONS.join(' or ')}, got ${JSON.stringify(value)}`,
  );
}

/**
 * Parses the bench's flags (`argv` as process.argv). The PostgreSQL server comes from
 * CELLS_PG_URL like everywhere else; the bench's databases are its own throw-away ones.
 */
export function parseBenchOptions(argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions {
  const program = new Command('bench')
    .description(
      'Cells benchmarks: C cells x N instances behind the gateway; JSON to stdout and bench/results/<name>.json',
    )
    .option('--cells <n>', 'cell databases and subgraphs', positiveInt('--cells'), 10)
    .option('--instances <n>', 'instances per cell', positiveInt('--instances'), 10000)
    .option('--runs <n>', 'timed runs per scenario', positiveInt('--runs'), 20)
    .option(
      '--warmup <n>',
      'untimed runs before each scenario (10: JIT and caches settle)',
      positiveInt('--warmup'),
      10,
    )
    .option(
      '--timeout-ms <ms>',
      'gateway cell timeout in the black-holed and frozen scenarios',
      positiveInt('--timeout-ms'),
      1000,
    )
    .option('--concurrency <n>', 'connections in the throughput scenario', positiveInt('--concurrency'), 16)
    .option('--duration <s>', 'seconds of the throughput scenario', positiveInt('--duration'), 20)
    .option('--scenarios <list>', `comma list of ${SCENARIOS.join(', ')}`, scenarioList, [...SCENARIOS])
    .option(
      '--hosting <how>',
      'in-process or processes (one child process per cell subgraph)',
      hosting,
      'in-process' as Hosting,
    )
    .option(
      '--cell-execution <how>',
      `cell subgraphs' execution, ${CELL_EXECUTIONS.join(' or ')} (CELLS_CELL_EXECUTION)`,
      cellExecution,
      'jit' as CellExecution,
    )
    .option('--out <name>', 'result file name (default c<cells>-n<instances>)')
    .exitOverride()
    .parse(argv);
  const o = program.opts<Omit<BenchOptions, 'out' | 'pgUrl'> & { out?: string }>();
  return { ...o, out: o.out ?? `c${o.cells}-n${o.instances}`, pgUrl: env.CELLS_PG_URL ?? DEFAULTS.pgUrl };
}
