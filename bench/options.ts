import { Command, InvalidArgumentError } from 'commander';
import { DEFAULTS } from '../infrastructure/configSchema';
import { CELL_EXECUTIONS, type CellExecution } from '../subgraphs/cell/jitExecution';
import { RESULT_SHAPINGS, type ResultShaping } from '../gateway/resultShaping';

/**
 * How cell subgraphs are hosted: all in the bench's process, one child process each, or all
 * in one child process (as `start:cell --cell a --cell b` runs them).
 */
const HOSTINGS = ['in-process', 'processes', 'cells-process'] as const;
export type Hosting = (typeof HOSTINGS)[number];

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

/** What a `--cells-sweep` runs at each cell count: the list scenarios and their floor. */
export const SWEEP_SCENARIOS = [
  'list-1000-detail',
  'list-1000-next-page',
  'list-50-dashboard',
  'data-floor',
] as const satisfies readonly ScenarioName[];

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
  /** Gateway processes in the throughput scenario (1: the bench's own gateway, as before). */
  gateways: number;
  /** `--cells-sweep`: the cell counts of a sweep of the list scenarios, or null for one run. */
  cellsSweep: number[] | null;
  /** Rows of every sweep point, spread over its cells (`--total-instances`, default cells x instances). */
  totalInstances: number;
  /** How the cell subgraphs run queries (CELLS_CELL_EXECUTION): jit (default) or graphql-js. */
  cellExecution: CellExecution;
  /** How the gateway shapes answers (CELLS_GATEWAY_RESULT_SHAPING): compiled (default) or apollo. */
  resultShaping: ResultShaping;
  /** How long a cell subgraph's unused database connection stays open (CELLS_DB_POOL_IDLE_MS). */
  cellPoolIdleMs: number;
  /** Bytes of `user_data` on every instance (base64 text, as Nova stores cloud-init's); 0: none. */
  userDataBytes: number;
  out: string;
  pgUrl: string;
}

/**
 * Every bench database lives on one PostgreSQL server (max_connections 100 here), so
 * each cell subgraph's pool is its share of the server (bench/poolBudget.ts), opened
 * lazily and closed after CELL_POOL_IDLE_MS unused (`--cell-pool-idle-ms`): ten cell
 * subgraphs with the default pool of 10 once took every connection under the throughput
 * scenario and left the global subgraph none ("too many clients"). Short, so the data
 * floor's own pools can wait for the subgraphs' to close before opening theirs.
 */
export const CELL_POOL_IDLE_MS = 1000;

/** A commander parser for a positive integer flag, with an error naming the flag and the value. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Nova refuses a server's user_data past 65535 bytes (base64). */
export const MAX_USER_DATA_BYTES = 65535;

function userDataBytes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > MAX_USER_DATA_BYTES)
    throw new InvalidArgumentError(
      `--user-data-bytes: expected an integer from 0 to ${MAX_USER_DATA_BYTES}, got ${JSON.stringify(value)}`,
    );
  return n;
}

function cellCounts(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const counts = parts.map(Number);
  const bad = parts.find((part, i) => part === '' || !Number.isInteger(counts[i]) || counts[i] < 1);
  if (bad !== undefined)
    throw new InvalidArgumentError(
      `--cells-sweep: expected a comma list of positive integers (e.g. 1,10,50), got ${JSON.stringify(value)} (bad entry ${JSON.stringify(bad)})`,
    );
  if (new Set(counts).size !== counts.length)
    throw new InvalidArgumentError(`--cells-sweep: expected distinct cell counts, got ${JSON.stringify(value)}`);
  return [...counts].sort((a, b) => a - b);
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

/** A commander parser for a flag that takes one of `values`, with an error naming the flag and the value. */
export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (value: string): T => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`${flag}: expected ${values.join(' or ')}, got ${JSON.stringify(value)}`);
  };
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
      'in-process, processes (one child process per cell subgraph) or cells-process (every cell subgraph in one child process)',
      oneOf('--hosting', HOSTINGS),
      'in-process' as Hosting,
    )
    .option(
      '--cell-execution <how>',
      `cell subgraphs' execution, ${CELL_EXECUTIONS.join(' or ')} (CELLS_CELL_EXECUTION)`,
      oneOf('--cell-execution', CELL_EXECUTIONS),
      'jit' as CellExecution,
    )
    .option(
      '--result-shaping <how>',
      `the gateway's answer shaping, ${RESULT_SHAPINGS.join(' or ')} (CELLS_GATEWAY_RESULT_SHAPING)`,
      oneOf('--result-shaping', RESULT_SHAPINGS),
      'compiled' as ResultShaping,
    )
    .option(
      '--cell-pool-idle-ms <ms>',
      "cell subgraphs' CELLS_DB_POOL_IDLE_MS (the data floor waits this out before opening its own pools)",
      positiveInt('--cell-pool-idle-ms'),
      CELL_POOL_IDLE_MS,
    )
    .option(
      '--user-data-bytes <n>',
      "bytes of user_data on every instance (base64, as Nova keeps cloud-init's; 0: none, as before)",
      userDataBytes,
      0,
    )
    .option(
      '--gateways <n>',
      'gateway processes the throughput scenario spreads its connections over (2+: one child process each)',
      positiveInt('--gateways'),
      1,
    )
    .option(
      '--cells-sweep <list>',
      `run ${SWEEP_SCENARIOS.join(', ')} at each cell count (e.g. 1,10,50) with the same total rows`,
      cellCounts,
    )
    .option(
      '--total-instances <n>',
      'rows of every sweep point, spread evenly over its cells (default --cells x --instances)',
      positiveInt('--total-instances'),
    )
    .option('--out <name>', 'result file name (default c<cells>-n<instances>, or sweep-c<list>-t<total>)')
    .exitOverride()
    .parse(argv);
  const o = program.opts<
    Omit<BenchOptions, 'out' | 'pgUrl' | 'cellsSweep' | 'totalInstances'> & {
      out?: string;
      cellsSweep?: number[];
      totalInstances?: number;
    }
  >();
  const cellsSweep = o.cellsSweep ?? null;
  const totalInstances = o.totalInstances ?? o.cells * o.instances;
  if (o.gateways > o.concurrency)
    throw new InvalidArgumentError(
      `--gateways: expected at most --concurrency (${o.concurrency}) gateways, each needs a connection, got ${o.gateways}`,
    );
  let scenarios = o.scenarios;
  if (cellsSweep) {
    const explicit = program.getOptionValueSource('scenarios') === 'cli';
    const others = scenarios.filter((name) => !(SWEEP_SCENARIOS as readonly string[]).includes(name));
    if (explicit && others.length)
      throw new InvalidArgumentError(
        `--scenarios: a --cells-sweep runs only ${SWEEP_SCENARIOS.join(', ')}, got ${JSON.stringify(others.join(','))}`,
      );
    scenarios = scenarios.filter((name) => !others.includes(name));
    const tooFew = cellsSweep.find((cells) => cells > totalInstances);
    if (tooFew !== undefined)
      throw new InvalidArgumentError(
        `--total-instances: expected at least one row per cell (${tooFew} cells), got ${totalInstances}`,
      );
  } else if (o.totalInstances !== undefined)
    throw new InvalidArgumentError('--total-instances: only a --cells-sweep uses it (a plain run takes --instances)');
  const out =
    o.out ?? (cellsSweep ? `sweep-c${cellsSweep.join('-')}-t${totalInstances}` : `c${o.cells}-n${o.instances}`);
  return { ...o, scenarios, cellsSweep, totalInstances, out, pgUrl: env.CELLS_PG_URL ?? DEFAULTS.pgUrl };
}
