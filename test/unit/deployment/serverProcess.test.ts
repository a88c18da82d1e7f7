import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CELL_SEMI_SPACE_MB,
  forkedServerExecArgv,
  SERVER_HEAP_GROWING_PERCENT,
  SERVER_MALLOC_ENV,
  SERVER_SEMI_SPACE_MB,
  SERVER_WASM_TIERING_BUDGET,
  serverCommandArgs,
  serverNodeOptions,
  serverV8Args,
  TS_HOOK_ARGS,
} from '../../../deployment/serverProcess';

const ROOT = path.resolve(__dirname, '../../..');
const TSX_CLI_EXEC_ARGV = [
  '--require',
  `${ROOT}/node_modules/tsx/dist/preflight.cjs`,
  '--import',
  `file://${ROOT}/node_modules/tsx/dist/loader.mjs`,
];

describe('the NODE_OPTIONS a server child gets', () => {
  it('adds the young-generation size to nothing', () => {
    expect(serverNodeOptions(undefined)).toBe(`--max-semi-space-size=${SERVER_SEMI_SPACE_MB}`);
  });

  it("keeps the caller's options and adds the size after them", () => {
    expect(serverNodeOptions('--enable-source-maps')).toBe(
      `--enable-source-maps --max-semi-space-size=${SERVER_SEMI_SPACE_MB}`,
    );
  });

  it('gives a cell subgraph its own, smaller size', () => {
    expect(serverNodeOptions(undefined, CELL_SEMI_SPACE_MB)).toBe(`--max-semi-space-size=${CELL_SEMI_SPACE_MB}`);
    expect(CELL_SEMI_SPACE_MB).toBeLessThan(SERVER_SEMI_SPACE_MB);
    expect(serverNodeOptions('--max-semi-space-size=32', CELL_SEMI_SPACE_MB)).toBe('--max-semi-space-size=32');
  });

  it('leaves a size the caller chose alone', () => {
    expect(serverNodeOptions('--max-semi-space-size=16 --trace-gc')).toBe('--max-semi-space-size=16 --trace-gc');
  });
});

describe('the command line of a server child', () => {
  const OURS = [
    `--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`,
    `--wasm-tiering-budget=${SERVER_WASM_TIERING_BUDGET}`,
  ];

  it("bounds the old generation's growth and WebAssembly's tier-up unless the parent chose its own", () => {
    expect(serverV8Args([])).toEqual(OURS);
    expect(serverV8Args(['--inspect', '--heap-growing-percent=25'])).toEqual(['--heap-growing-percent=25', OURS[1]]);
    expect(
      serverV8Args(['--heap-growing-percent=25', '--wasm-tiering-budget=1800000', '--heap-growing-percent=40']),
    ).toEqual(['--heap-growing-percent=40', '--wasm-tiering-budget=1800000']);
  });

  it('runs the entry through tsx’s CommonJS hook, not its ESM loader', () => {
    expect(serverCommandArgs([])).toEqual([...OURS, ...TS_HOOK_ARGS]);
    expect(TS_HOOK_ARGS[1]).toBe(require.resolve('tsx/cjs'));
  });

  it("drops the tsx command's preflight and loader from a forked child's flags and keeps the rest", () => {
    expect(forkedServerExecArgv([...TSX_CLI_EXEC_ARGV, '--trace-gc'], ['--expose-gc'])).toEqual([
      '--trace-gc',
      '--expose-gc',
      ...OURS,
      ...TS_HOOK_ARGS,
    ]);
    expect(forkedServerExecArgv(['--import', 'tsx', '--heap-growing-percent=30'])).toEqual([
      '--heap-growing-percent=30',
      OURS[1],
      ...TS_HOOK_ARGS,
    ]);
  });

  it('starts a TypeScript file with those arguments in one Node.js process', () => {
    const script = path.join(ROOT, 'deployment/serverProcess.ts');
    const out = execFileSync(
      process.execPath,
      [
        ...serverCommandArgs([]),
        '-e',
        `const s = require(${JSON.stringify(script)});` +
          'console.log(JSON.stringify({ pct: s.SERVER_HEAP_GROWING_PERCENT, execArgv: process.execArgv.slice(0, -2) }))',
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(JSON.parse(out)).toEqual({ pct: SERVER_HEAP_GROWING_PERCENT, execArgv: serverCommandArgs([]) });
  });
});

// `npm run start:<server>` runs one server by hand (Adding a cell, Several cells in one
// process): the same Node.js flags and allocator settings as npm start's, written out in
// package.json; an allocator variable the caller set wins, as it does under npm start.
describe('the start:<server> scripts', () => {
  const scripts = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const mallocPrefix = Object.entries(SERVER_MALLOC_ENV).map(([name, value]) => `${name}=\${${name}:-${value}}`);
  const expected = (entry: string, extra: string[] = []) =>
    [...mallocPrefix, 'node', ...serverV8Args([]), ...extra, '--require', 'tsx/cjs', entry].join(' ');
  // What a process started by a script's prefix sees, through the shell npm runs scripts with.
  const envUnder = (script: string, env: Record<string, string> = {}) => {
    const prefix = script.slice(0, script.indexOf(' node '));
    const printed = execFileSync('sh', ['-c', `${prefix} node -p 'JSON.stringify(process.env)'`], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    });
    return JSON.parse(printed) as Record<string, string>;
  };

  it("gives the server npm start's allocator settings", () => {
    const env = envUnder(scripts['start:cell']);
    for (const [name, value] of Object.entries(SERVER_MALLOC_ENV)) expect(env[name]).toBe(value);
  });

  it('leaves an allocator variable the caller set as it is', () => {
    expect(envUnder(scripts['start:gateway'], { MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
  });

  it.each([
    ['start:global', 'subgraphs/global/main.ts', []],
    ['start:cell', 'subgraphs/cell/main.ts', [`--max-semi-space-size=${CELL_SEMI_SPACE_MB}`]],
    ['start:compute', 'compute/main.ts', []],
    ['start:gateway', 'gateway/main.ts', []],
  ])('%s runs %s as npm start runs it', (name, entry, extra) => {
    expect(scripts[name]).toBe(expected(entry, extra));
  });

  it('npm start runs its supervisor in one process too', () => {
    expect(scripts.start).toBe('node --require tsx/cjs deployment/main.ts');
  });
});
