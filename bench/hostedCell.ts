import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startCellSubgraph, type RunningCellSubgraph } from '../subgraphs/cell/server';
import { forkHost, stopHost } from './childHost';
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
  /** The child process's memory (`--hosting processes` only: in-process cells share the bench's). */
  probe?: MemoryProbe;
}

/** Starts a cell subgraph in this process or in a child process (see bench/cellHost.ts). */
export function hostCell(spec: CellHostSpec, hosting: Hosting): Promise<HostedCell> {
  switch (hosting) {
    case 'in-process':
      return inProcess(spec);
    case 'processes':
      return inChild(spec);
    default: {
      const never: never = hosting;
      throw new Error(`unknown hosting ${JSON.stringify(never)}`);
    }
  }
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

async function inChild(spec: CellHostSpec): Promise<HostedCell> {
  const { child, url } = await forkHost(
    path.join(__dirname, 'cellHost.ts'),
    spec,
    `cell host ${spec.cellName}`,
    CELL_SEMI_SPACE_MB,
  );
  return { url, statements: () => ask(child), close: () => stopHost(child), probe: probeOf(child) };
}

let nextId = 0;
function ask(child: ChildProcess): Promise<number> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const listener = (m: HostMessage) => {
      if (m.type === 'statements' && m.id === id) {
        child.off('message', listener);
        resolve(m.count);
      }
    };
    child.on('message', listener);
    child.send({ type: 'statements', id });
  });
}
