import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatChildLine } from './logLines';
import type { ChildSpec } from './processes';

/** A started child and what became of it: a lifecycle each caller switches on. */
export type ChildState =
  { phase: 'starting' } | { phase: 'ready' } | { phase: 'exited'; code: number | null; signal: string | null };

export interface RunningChild {
  spec: ChildSpec;
  process: ChildProcess;
  state: ChildState;
  /** Resolves once ready; rejects if it exits first or misses the deadline. */
  ready: Promise<void>;
  exited: Promise<void>;
}

export interface SupervisorOptions {
  root: string;
  write: (line: string) => void;
  /** How long a child may take to become ready. */
  readyTimeoutMs?: number;
}

/**
 * The young generation of a server child. 64 MB (issue 6) bought fewer scavenges, but
 * issue 14's memory scenario (npm run bench -- --scenarios memory --hosting processes,
 * 3 cells) measured it at 311 MB gateway and 293 MB cell RSS after the throughput run,
 * growing 1.22x over the warm-up, against 223 MB and 230 MB, 1.06x, at 16 MB (V8's own
 * default on 64-bit); list-1000-detail p50 moved with the machine's load, not the setting,
 * and 64 MB bought 4% and 15% dashboard throughput in two rounds. README, Memory.
 */
export const SERVER_SEMI_SPACE_MB = 16;

/** NODE_OPTIONS for a server child: the caller's, plus the young-generation size unless it sets one. */
export function serverNodeOptions(inherited: string | undefined): string {
  const options = inherited?.trim() ?? '';
  if (options.includes('--max-semi-space-size')) return options;
  return `${options} --max-semi-space-size=${SERVER_SEMI_SPACE_MB}`.trim();
}

/**
 * glibc's allocator for a server child, unless the caller set its own: two arenas, and
 * blocks from 128 KiB up mapped and unmapped on their own, with free memory above 128 KiB
 * given back. By default glibc keeps an arena per thread and raises its mmap threshold
 * after the first large free, so the buffers and compiler zones of 1000-row pages stay
 * resident: a cell subgraph measured about 50 MB less RSS with these (README, Memory),
 * with no latency change measured.
 */
export const SERVER_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** Starts `spec` with tsx; its output goes to `write`, one prefixed line at a time. */
export function startChild(spec: ChildSpec, options: SupervisorOptions): RunningChild | null {
  if (!existsSync(path.join(options.root, spec.entry))) {
    options.write(`[start] ${spec.name}: ${spec.entry} does not exist yet, skipped`);
    return null;
  }
  const tsx = path.join(options.root, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [spec.entry, ...spec.args], {
    cwd: options.root,
    env: {
      ...SERVER_MALLOC_ENV,
      ...process.env,
      ...spec.env,
      NODE_OPTIONS: serverNodeOptions(process.env.NODE_OPTIONS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: RunningChild = {
    spec,
    process: child,
    state: { phase: 'starting' },
    ready: Promise.resolve(),
    exited: Promise.resolve(),
  };
  let sawReadyLine = false;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      if (spec.readyLine && line.includes(spec.readyLine)) sawReadyLine = true;
      options.write(formatChildLine(spec.name, line));
    });
  }
  running.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.state = { phase: 'exited', code, signal };
      resolve();
    });
  });
  running.ready = waitReady(running, () => sawReadyLine, options.readyTimeoutMs ?? 90_000);
  running.ready.then(
    () => (running.state = { phase: 'ready' }),
    () => undefined,
  );
  return running;
}

async function waitReady(running: RunningChild, sawReadyLine: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.state.phase === 'exited')
      throw new Error(`${running.spec.name} exited (code ${running.state.code}) before it was ready`);
    if (running.spec.readyLine ? sawReadyLine() : await answers(running.spec.healthUrl!)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${running.spec.name} was not ready after ${timeoutMs} ms`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Asks every child still running to stop (SIGTERM), then kills the ones that linger. */
export async function stopChildren(children: RunningChild[], graceMs = 10_000): Promise<void> {
  const alive = children.filter((c) => c.state.phase !== 'exited');
  for (const child of alive) child.process.kill('SIGTERM');
  const timer = setTimeout(
    () => alive.forEach((c) => c.state.phase !== 'exited' && c.process.kill('SIGKILL')),
    graceMs,
  );
  await Promise.all(alive.map((c) => c.exited));
  clearTimeout(timer);
}
