import { fork, type ChildProcess } from 'node:child_process';
import { forkedServerExecArgv, SERVER_MALLOC_ENV, serverNodeOptions } from '../deployment/serverProcess';
import { installMemoryProbe, PROBE_EXEC_ARGV } from './memoryProbe';

/**
 * The first message of a host child (bench/cellHost.ts, bench/gatewayHost.ts): the URL it
 * listens on, and every server's URL when it hosts several (`--hosting cells-process`).
 */
export type ReadyMessage = { type: 'ready'; url: string; urls?: string[] } | { type: 'failed'; message: string };

/**
 * Forks `entry` with `spec` as argv[2] (JSON) and waits for its `ready` message with the
 * URL it listens on. The child runs as npm start's servers do (deployment/serverProcess.ts:
 * Node.js with tsx's CommonJS hook, the servers' V8 flags, the young generation `semiSpaceMb`
 * unless NODE_OPTIONS sets one, the allocator settings), with the bench's other Node.js
 * flags and NODE_OPTIONS, and --expose-gc for the memory probe's peak.
 */
export async function forkHost(
  entry: string,
  spec: unknown,
  name: string,
  semiSpaceMb?: number,
): Promise<{ child: ChildProcess; url: string; urls: string[] }> {
  const child = fork(entry, [JSON.stringify(spec)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: forkedServerExecArgv(process.execArgv, PROBE_EXEC_ARGV),
    env: {
      ...SERVER_MALLOC_ENV,
      ...process.env,
      NODE_OPTIONS: serverNodeOptions(process.env.NODE_OPTIONS, semiSpaceMb),
    },
  });
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ReadyMessage));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
  if (ready.type !== 'ready') throw new Error(`${name} failed: ${ready.type === 'failed' ? ready.message : ready}`);
  return { child, url: ready.url, urls: ready.urls ?? [ready.url] };
}

/** Asks a host child to close its server and waits for it to exit. */
export function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send({ type: 'close' });
  });
}

/** A question the bench asks a host child; `cell` picks one of several cells it hosts. */
export type HostRequest = { type: string; id?: number; cell?: number };

/**
 * The child's side: starts its server from argv[2], says `ready`, closes on `close` or
 * when the bench goes away, answers the memory probe (bench/memoryProbe.ts); `onMessage`
 * answers anything else the bench asks.
 */
export function serveHost<S, R extends { url: string; urls?: string[]; close(): Promise<void> }>(
  start: (spec: S) => Promise<R>,
  onMessage: (running: R, message: HostRequest) => void = () => undefined,
): void {
  const main = async () => {
    const running = await start(JSON.parse(process.argv[2]) as S);
    installMemoryProbe();
    process.on('message', async (m: HostRequest) => {
      if (m.type === 'close') {
        await running.close();
        process.exit(0);
      }
      onMessage(running, m);
    });
    process.on('disconnect', () => void running.close().finally(() => process.exit(0)));
    process.send?.({ type: 'ready', url: running.url, urls: running.urls } satisfies ReadyMessage);
  };
  main().catch((err) => {
    process.send?.({ type: 'failed', message: (err as Error).message } satisfies ReadyMessage);
    process.exit(1);
  });
}
