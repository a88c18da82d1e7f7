import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { discoverHosts, mapCell0, registerComputeNode } from '../../../cellsAdmin';
import { startComputeAgent, type RunningComputeAgent } from '../../../compute/agent';
import { createCellClient } from '../../../prisma/clients';
import {
  startGlobalSubgraph,
  type GlobalSubgraphOptions,
  type RunningGlobalSubgraph,
} from '../../../subgraphs/global/server';
import { testServices } from '../../helpers/services';
import { startTopology, TEST_SECRET, type TestCell, type Topology } from '../../helpers/topology';
import { CREATE } from './bootFixture';

/** One cell of a scheduler world: its hosts, their capacity, and whether an agent runs them. */
export interface CellSpec {
  name: string;
  hosts: string[];
  node: { vcpus: number; memoryMb: number; localGb: number };
  /** Default true. Without one the hosts are only registered (for a cell whose database is closed). */
  agent?: boolean;
}

/** A topology of cells with hosts, cell0, and a global subgraph the test configures (and restarts). */
export interface SchedulerWorld {
  topo: Topology;
  cell0: TestCell;
  cell(name: string): TestCell;
  /** Creates a flavor and answers its id. */
  flavor(name: string, sizes: { vcpus: number; memoryMb: number; rootGb?: number }): Promise<string>;
  /** Replaces the global subgraph (same port, so the gateway keeps its URL) with these scheduler settings: a fresh memory of down cells. */
  restartGlobal(options?: Partial<GlobalSubgraphOptions>): Promise<void>;
  /** createServer through the gateway; answers the GraphQL body. */
  boot(token: string, input: Record<string, unknown>): Promise<any>;
  stop(): Promise<void>;
}

/** Scheduler settings short enough for tests; the reaper is off unless a test turns it on. */
export const TEST_SCHEDULER: Partial<GlobalSubgraphOptions> = {
  cellTimeoutMs: 2000,
  budgetMs: 15000,
  cellCooldownMs: 60000,
  maxAttempts: 3,
  buildReaperMs: 0,
};

export async function startSchedulerWorld(
  specs: CellSpec[],
  global: Partial<GlobalSubgraphOptions> = {},
): Promise<SchedulerWorld> {
  const topo = await startTopology({ cells: specs.map((s) => s.name), queues: true, gateway: { cellRefreshMs: 200 } });
  const cell0 = await topo.addCell(
    'cell0',
    async (input) =>
      (await mapCell0(topo.api, { databaseConnection: input.databaseConnection, graphqlUrl: input.graphqlUrl })).cell
        .uuid,
  );
  const agents: RunningComputeAgent[] = [];
  for (const spec of specs) {
    const cell = topo.cells.find((c) => c.name === spec.name)!;
    if (spec.agent === false) {
      for (const host of spec.hosts) await registerComputeNode(cell.prisma, { host, ...spec.node });
      continue;
    }
    agents.push(
      await startComputeAgent({
        cellUuid: cell.uuid,
        databaseUrl: cell.db.url,
        transportUrl: cell.vhost!.url,
        hosts: spec.hosts,
        delayMs: 20,
        node: spec.node,
      }),
    );
  }
  await discoverHosts(topo.api, { openCell: (url) => createCellClient(url, { max: 1 }) });
  let running: RunningGlobalSubgraph | null = null;
  const world: SchedulerWorld = {
    topo,
    cell0,
    cell: (name) => topo.cells.find((c) => c.name === name)!,
    async flavor(name, sizes) {
      return String(
        (
          await topo.api.instanceType.create({
            data: { name, flavorid: name, vcpus: sizes.vcpus, memoryMb: sizes.memoryMb, rootGb: sizes.rootGb ?? 1 },
          })
        ).id,
      );
    },
    async restartGlobal(options = {}) {
      await (running ?? topo.global).close();
      running = await startGlobalSubgraph({
        apiDatabaseUrl: topo.apiDb.url,
        port: topo.global.port,
        internalSecret: TEST_SECRET,
        ...TEST_SCHEDULER,
        ...global,
        ...options,
      });
    },
    async boot(token, input) {
      return (await topo.query(CREATE, { input: { imageRef: 'cirros', ...input } }, token)).body;
    },
    async stop() {
      await running?.close();
      for (const agent of agents) await agent.close();
      await topo.stop();
    },
  };
  await world.restartGlobal();
  return world;
}

/** The cells (by name) whose databases hold a live instance of `uuid`. */
export async function cellsHolding(world: SchedulerWorld, uuid: string): Promise<string[]> {
  const cells = [...world.topo.cells];
  const counts = await Promise.all(cells.map((c) => c.prisma.instance.count({ where: { uuid, deleted: 0 } })));
  return cells.filter((_, i) => counts[i] > 0).map((c) => c.name);
}

/** `ALTER DATABASE … ALLOW_CONNECTIONS false` and its sessions terminated; open() undoes it. */
export async function closeDatabase(name: string): Promise<{ open(): Promise<void> }> {
  await admin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
    name,
  ]);
  return { open: () => admin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`) };
}

async function admin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: testServices.pgUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A frozen cell subgraph: accepts connections, never answers, and counts the builds sent to it. */
export interface CountingBlackHole {
  url: string;
  /** Connections whose request asked for buildInstance. */
  builds(): number;
  close(): Promise<void>;
}

export async function startCountingBlackHole(): Promise<CountingBlackHole> {
  const sockets = new Set<net.Socket>();
  let builds = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let seen = '';
    let counted = false;
    socket.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (!counted && seen.includes('buildInstance')) {
        counted = true;
        builds++;
      }
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    builds: () => builds,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A slow cell: its requests reach the cell late (`request`) or its answers come back late (`answer`). */
export interface SlowCell {
  url: string;
  /** What the cell answered to each forwarded request, in order. */
  answers: any[];
  close(): Promise<void>;
}

// reset: the build reaches the cell, which commits it, and the connection is cut instead of the answer.
export async function startSlowCell(
  target: string,
  mode: 'request' | 'answer' | 'reset',
  delayMs: number,
): Promise<SlowCell> {
  const answers: any[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, delayMs);
    timers.add(timer);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = async () => {
        try {
          const upstream = await fetch(target, {
            method: 'POST',
            headers: req.headers as Record<string, string>,
            body: Buffer.concat(chunks),
          });
          const body = Buffer.from(await upstream.arrayBuffer());
          answers.push(JSON.parse(body.toString('utf8')));
          const reply = () => {
            if (res.destroyed) return;
            res.writeHead(upstream.status, { 'content-type': 'application/json' });
            res.end(body);
          };
          if (mode === 'answer') later(reply);
          else if (mode === 'reset') res.destroy();
          else reply();
        } catch {
          res.destroy();
        }
      };
      if (mode === 'request') later(() => void forward());
      else void forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    answers,
    close: () => {
      timers.forEach((t) => clearTimeout(t));
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
