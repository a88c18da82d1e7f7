import os from 'node:os';
import { withClient } from './pgClient';
import type { BenchOptions, Hosting } from './options';

/** Where and how the numbers were taken. */
export async function machineInfo(pgUrl: string): Promise<Record<string, unknown>> {
  const postgres = await withClient(
    pgUrl,
    async (client) => (await client.query('SHOW server_version')).rows[0].server_version as string,
  );
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    nodeOptions: process.env.NODE_OPTIONS?.trim() || null,
    postgres,
  };
}

/** A sentence saying how the processes were laid out (part of every result). */
export function hostingDescription(hosting: Hosting, options: BenchOptions): string {
  const layout = cellLayout(hosting, options);
  if (options.gateways === 1 || options.cellsSweep) return layout;
  return `${layout}; the throughput scenario alone runs ${options.gateways} gateway child processes (tsx), each on its own port, and spreads its connections over them`;
}

function cellLayout(hosting: Hosting, options: BenchOptions): string {
  const cells = options.cellsSweep ? options.cellsSweep.join(', ') + ' (one point at a time)' : options.cells;
  switch (hosting) {
    case 'in-process':
      return `in-process: the global subgraph, the ${cells} cell subgraphs, the gateway and the load generator share the bench's one Node.js process (one event loop), each on its own loopback HTTP port; PostgreSQL runs in its own processes`;
    case 'processes':
      return `processes: each of the ${cells} cell subgraphs in its own Node.js child process (tsx); the global subgraph, the gateway and the load generator in the bench's process; PostgreSQL in its own processes`;
    case 'cells-process':
      return `cells-process: the ${cells} cell subgraphs in one Node.js child process (tsx), each on its own loopback HTTP port and database pool, as start:cell --cell a --cell b runs them; the global subgraph, the gateway and the load generator in the bench's process; PostgreSQL in its own processes`;
    default: {
      const never: never = hosting;
      throw new Error(`unknown hosting ${JSON.stringify(never)}`);
    }
  }
}
