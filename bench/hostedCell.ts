import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startCellSubgraph, type RunningCellSubgraph } from '../subgraphs/cell/server';
import { forkHost, stopHost, type HostRequest } from './childHost';
import { CELL_SEMI_SPACE_MB } from '../deployment/serverProcess';
import { probeOf, type MemoryProbe } from './memoryProbe';
import type { CellExecution } from '../subgraphs/cell/jitExecution';
import type { Hosting } from './options';

/** What a hosted cell subgraph needs to start. */
export interface CellHostSpec {
  cellUuid: string;
  cellName: string;
  databaseUrl: string;
  internalSecret: string;
  /** The cell's database pool (see bench/poolBudget.ts) and its idle close. */
  poolMax: number;
  poolIdleMs: number;
  /** --cell-execution: graphql-jit or graphql-js. */
  execution: CellExecution;
}

/** A running cell subgraph, wherever it runs; `statements()` counts its SQL since start. */
export interface HostedCell {
  url: string;
  statements(): Promise<number>;
  close(): Promise<void>;
  /**
   * The memory and CPU of the child process it runs in (not in-process: those cells share the
   * bench's); cells of one process (`--hosting cells-process`) share one probe.
   */
  probe?: MemoryProbe;
}

/**
 * Starts the cell subgraphs, in the order given: in this process, one child process each,
 * or all in one child process (see bench/cellHost.ts).
 */
export async function hostCells(specs: readonly CellHostSpec[], hosting: Hosting): Promise<HostedCell[]> {
  switch (hosting) {
    case 'in-process':
      return inSequence(specs, inProcess);
    case 'processes':
      return inSequence(specs, (spec) => inChild([spec]).then(([cell]) => cell));
    case 'cells-process':
      return inChild(specs);
    default: {
      const never: never = hosting;
      throw new Error(`unknown hosting ${JSON.stringify(never)}`);
    }
  }
}

async function inSequence(
  specs: readonly CellHostSpec[],
  start: (spec: CellHostSpec) => Promise<HostedCell>,
): Promise<HostedCell[]> {
  const cells: HostedCell[] = [];
  try {
    for (const spec of specs) cells.push(await start(spec));
  } catch (err) {
    await Promise.all(cells.map((cell) => cell.close().catch(() => undefined)));
    throw err;
  }
  return cells;
}

/** A queue-less cell subgraph on a loopback port that counts its SQL statements (in this process). */
export async function startCountingCell(
  spec: CellHostSpec,
): Promise<{ subgraph: RunningCellSubgraph; statements: () => number }> {
  let count = 0;
  const subgraph = await startCellSubgraph({
    ...spec,
    transportUrl: 'none:///',
    port: 0,
    host: '127.0.0.1',
    onQuery: () => count++,
  });
  return { subgraph, statements: () => count };
}

async function inProcess(spec: CellHostSpec): Promise<HostedCell> {
  const { subgraph, statements } = await startCountingCell(spec);
  return { url: subgraph.url, statements: async () => statements(), close: () => subgraph.close() };
}

/** Messages between the bench and a cell host child. */
export type HostMessage = { type: 'statements'; id: number; count: number };

/**
 * The cells of `specs` in one child process. They share its probe, and closing any of them
 * stops the process (the bench closes every cell at once, when it tears the fleet down).
 */
async function inChild(specs: readonly CellHostSpec[]): Promise<HostedCell[]> {
  const { child, urls } = await forkHost(
    path.join(__dirname, 'cellHost.ts'),
    specs,
    specs.length === 1 ? `cell host ${specs[0].cellName}` : `cell host of ${specs.length} cells`,
    CELL_SEMI_SPACE_MB,
  );
  if (urls.length !== specs.length)
    throw new Error(`cell host answered ${urls.length} URL(s) for ${specs.length} cell(s)`);
  const probe = probeOf(child);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopHost(child));
  return urls.map((url, cell) => ({ url, statements: () => ask(child, cell), close: stop, probe }));
}

let nextId = 0;
function ask(child: ChildProcess, cell: number): Promise<number> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const listener = (m: HostMessage) => {
      if (m.type === 'statements' && m.id === id) {
        child.off('message', listener);
        resolve(m.count);
      }
    };
    child.on('message', listener);
    child.send({ type: 'statements', id, cell } satisfies HostRequest);
  });
}
