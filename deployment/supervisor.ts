import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatChildLine } from './logLines';
import type { ChildSpec } from './processes';
import { SERVER_MALLOC_ENV, serverCommandArgs, serverNodeOptions } from './serverProcess';

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
 * Starts `spec` as one Node.js process running its TypeScript through tsx's CommonJS hook
 * and the server settings of deployment/serverProcess.ts; its output goes to `write`, one prefixed line at a time.
 */
export function startChild(spec: ChildSpec, options: SupervisorOptions): RunningChild | null {
  if (!existsSync(path.join(options.root, spec.entry))) {
    options.write(`[start] ${spec.name}: ${spec.entry} does not exist yet, skipped`);
    return null;
  }
  const child = spawn(process.execPath, [...serverCommandArgs(process.execArgv), spec.entry, ...spec.args], {
    cwd: options.root,
    env: {
      ...SERVER_MALLOC_ENV,
      ...process.env,
      ...spec.env,
      NODE_OPTIONS: serverNodeOptions(process.env.NODE_OPTIONS, spec.semiSpaceMb),
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
  if (!running.spec.readyLine && !running.spec.healthUrls?.length)
    throw new Error(`${running.spec.name} has neither a ready line nor a health URL to wait for`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.state.phase === 'exited')
      throw new Error(`${running.spec.name} exited (code ${running.state.code}) before it was ready`);
    if (running.spec.readyLine ? sawReadyLine() : await answerAll(running.spec.healthUrls!)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${running.spec.name} was not ready after ${timeoutMs} ms`);
}

async function answerAll(urls: readonly string[]): Promise<boolean> {
  return (await Promise.all(urls.map(answers))).every(Boolean);
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
