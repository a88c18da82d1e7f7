/**
 * How a server process runs: the Node.js command line, NODE_OPTIONS and allocator settings
 * that npm start gives its servers (deployment/supervisor.ts) and the bench gives its child
 * hosts (bench/childHost.ts). The figures below are RSS after the throughput run of the
 * bench's memory scenario (npm run bench -- --scenarios memory --hosting processes) unless
 * they say otherwise; README, Memory.
 */

/**
 * The young generation of a server child. 64 MB (issue 6) bought fewer scavenges, but
 * issue 14's memory scenario (3 cells) measured it at 311 MB gateway and 293 MB cell RSS
 * after the throughput run, growing 1.22x over the warm-up, against 223 MB and 230 MB,
 * 1.06x, at 16 MB (V8's own default on 64-bit); list-1000-detail p50 moved with the
 * machine's load, not the setting, and 64 MB bought 4% and 15% dashboard throughput in
 * two rounds.
 */
export const SERVER_SEMI_SPACE_MB = 16;

/**
 * The young generation of a cell subgraph: 8 MB. Its garbage per request is small (graphql-jit,
 * raw rows), and at 10 cells x 10,000 its RSS after the throughput run measured 142-173 MB
 * against 161-187 MB at 16 MB, its GC share 3.2% against 2.0%, dashboard throughput within
 * the runs' spread (41.5 and 42.4 against 35.5 req/s).
 */
export const CELL_SEMI_SPACE_MB = 8;

/** NODE_OPTIONS for a server child: the caller's, plus the young-generation size unless it sets one. */
export function serverNodeOptions(inherited: string | undefined, semiSpaceMb = SERVER_SEMI_SPACE_MB): string {
  const options = inherited?.trim() ?? '';
  if (options.includes('--max-semi-space-size')) return options;
  return `${options} --max-semi-space-size=${semiSpaceMb}`.trim();
}

/**
 * glibc's allocator for a server child, unless the caller set its own: two arenas, and
 * blocks from 128 KiB up mapped and unmapped on their own, with free memory above 128 KiB
 * given back. By default glibc keeps an arena per thread and raises its mmap threshold
 * after the first large free, so the buffers and compiler zones of 1000-row pages stay
 * resident: a cell subgraph measured about 50 MB less RSS with these, with no latency
 * change measured.
 */
export const SERVER_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/**
 * How far V8 lets a server's old generation grow past what the last full GC left live
 * before it collects again: 10%. V8's own heuristic grows it by up to 4x a small live heap,
 * and a cell subgraph whose live heap is 42 MB ran with 147 MB of heap in use after the
 * throughput run (270-280 MB RSS, 1.34-1.40x its warm-up). At 10% the same run measured
 * cells at 159-163 MB and the gateway at 206 MB against 300 MB, growth 1.01, with the same
 * GC share (4.1% cells, 6.0% gateway) and dashboard throughput within the runs' spread:
 * the servers' garbage is young and the old generation's full GCs are short and marked
 * concurrently.
 */
export const SERVER_HEAP_GROWING_PERCENT = 10;

/**
 * How much WebAssembly a function runs before V8 compiles it again with its optimizing
 * compiler: ten times V8's default (1,800,000, roughly bytes executed). Prisma's query
 * compiler is WebAssembly; parsing its schema when a client starts made enough of it "hot"
 * that TurboFan compiled it, and a process kept about 30 MB of RSS for that one-off work
 * (a Prisma client's first query: 137 MB against 106 MB with this budget or with Liftoff
 * alone). What runs on every query still tiers up. Cell subgraphs at 10 cells x 10,000:
 * README, Memory; 3 pairs of `list-1000-detail,ratios,throughput` runs, alternated, showed
 * no difference beyond the spread (93.7 against 95.4 requests/s; the cell straight 94
 * against 103 ms). Liftoff alone (`--liftoff-only`) saved the same memory but cost 13%
 * throughput and 20% on the cell straight, so it is not used.
 */
export const SERVER_WASM_TIERING_BUDGET = 18_000_000;

/** The V8 flags a server child gets, by name, and their values (the parent's win). */
const SERVER_V8_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['--heap-growing-percent', SERVER_HEAP_GROWING_PERCENT],
  ['--wasm-tiering-budget', SERVER_WASM_TIERING_BUDGET],
];

const isServerV8Flag = (arg: string) => SERVER_V8_FLAGS.some(([flag]) => arg.startsWith(`${flag}=`));

/**
 * V8 flags for a server child: for each of ours, the parent's own value when it was started
 * with one (`npx tsx --heap-growing-percent=25 deployment/main.ts`), else ours. V8 takes
 * these only on the command line (NODE_OPTIONS refuses them).
 */
export function serverV8Args(parentExecArgv: readonly string[]): string[] {
  return SERVER_V8_FLAGS.map(([flag, value]) => {
    const chosen = parentExecArgv.filter((arg) => arg.startsWith(`${flag}=`)).at(-1);
    return chosen ?? `${flag}=${value}`;
  });
}

/**
 * How a server runs this repository's TypeScript: Node.js itself with tsx's CommonJS hook
 * (`node --require tsx/cjs <entry>`), one process per server.
 *
 * The `tsx` command starts a wrapper process of its own that spawns the server as a second
 * Node.js process, and its ESM loader (`--import tsx`) runs in a thread with an isolate of
 * its own. This repository compiles to CommonJS (no `"type": "module"`), so the require
 * hook is all a server needs. Measured with an empty script: 41 MB RSS bare, 46 MB with
 * `--require tsx/cjs`, 76 MB with `--import tsx`; the wrapper is another Node.js process on
 * top. Cell subgraphs (3 x 2000) measured 214 MB against 239 MB after the throughput run.
 */
export const TS_HOOK_ARGS: readonly string[] = ['--require', require.resolve('tsx/cjs')];

/** The arguments before a server's entry file when npm start spawns it (package.json's start:<server> too). */
export function serverCommandArgs(parentExecArgv: readonly string[]): string[] {
  return [...serverV8Args(parentExecArgv), ...TS_HOOK_ARGS];
}

/**
 * `execArgv` for a forked TypeScript child: the parent's Node.js flags without tsx's (its
 * preflight and ESM loader, when the parent runs under the `tsx` command), then `extra`,
 * the server flags and the CommonJS hook.
 */
export function forkedServerExecArgv(parentExecArgv: readonly string[], extra: readonly string[] = []): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parentExecArgv.length; i++) {
    const arg = parentExecArgv[i];
    const next = parentExecArgv[i + 1];
    if (LOADER_FLAGS.has(arg) && next !== undefined && isTsx(next)) {
      i++;
      continue;
    }
    if (isTsx(arg) || isServerV8Flag(arg)) continue;
    kept.push(arg);
  }
  return [...kept, ...extra, ...serverCommandArgs(parentExecArgv)];
}

const LOADER_FLAGS = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);

function isTsx(arg: string): boolean {
  return /(^|[\\/=])tsx([\\/]|$)/.test(arg);
}
