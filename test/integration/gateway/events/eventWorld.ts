import { startComputeAgent, type RunningComputeAgent } from '../../../../compute/agent';
import type { EventSettings } from '../../../../gateway/config';
import { GATEWAY_DEFAULTS } from '../../../../gateway/config';
import { eventStreamConnectionName } from '../../../../gateway/events/cellEventStream';
import { seedInstances, type SeededInstance } from '../../../helpers/instances';
import { rabbitmqctl } from '../../../helpers/rabbit';
import { startTopology, type TestCell, type Topology } from '../../../helpers/topology';

/**
 * A real topology for the live-event tests: cells with their own vhosts, a compute agent
 * per cell (publishing its notifications), and a gateway following the cell directory
 * every second. `demo` has instances in cell1 only, `alt_demo` in cell2 only.
 */
export interface EventWorld {
  topo: Topology;
  agents: RunningComputeAgent[];
  demo: SeededInstance[];
  alt: SeededInstance[];
  tokens: { demo: string; alt: string; admin: string };
  /** Starts the agent of a cell added later. */
  startAgent(cell: TestCell): Promise<RunningComputeAgent>;
  /** An action through the gateway, as `token`'s caller; fails the test on any error. */
  act(mutation: string, uuid: string, token: string): Promise<{ requestId: string }>;
  stop(): Promise<void>;
}

export async function startEventWorld(events: Partial<EventSettings> = {}): Promise<EventWorld> {
  const topo = await startTopology({
    cells: ['cell1', 'cell2'],
    queues: true,
    gateway: {
      cellRefreshMs: 1000,
      events: {
        ...GATEWAY_DEFAULTS.events,
        reconnect: { minMs: 200, maxMs: 1000 },
        ...events,
      },
    },
  });
  const agents: RunningComputeAgent[] = [];
  const startAgent = async (cell: TestCell) => {
    const agent = await startComputeAgent({
      cellUuid: cell.uuid,
      databaseUrl: cell.db.url,
      transportUrl: cell.vhost!.url,
      hosts: [`${cell.name}-compute1`],
      delayMs: 20,
      heartbeatMs: 0,
      publishTimeoutMs: 2000,
      reconnectDelayMs: 100,
      reconnectMaxDelayMs: 1000,
    });
    agents.push(agent);
    return agent;
  };
  try {
    for (const cell of topo.cells) await startAgent(cell);
    const demo = await seedInstances(topo.cells[0], topo.api, { count: 4, projects: ['demo'] });
    const alt = await seedInstances(topo.cells[1], topo.api, { count: 4, projects: ['alt_demo'] });
    const tokens = {
      demo: await topo.token('demo'),
      alt: await topo.token('alt_demo'),
      admin: await topo.token('admin', { admin: true }),
    };
    await waitForStreams(topo);
    return {
      topo,
      agents,
      demo,
      alt,
      tokens,
      startAgent,
      async act(mutation, uuid, token) {
        const answer = await topo.query(
          `mutation($u: ID!) { ${mutation}(uuid: $u) { requestId } }`,
          { u: uuid },
          token,
        );
        if (answer.body.errors) throw new Error(`${mutation}: ${JSON.stringify(answer.body.errors)}`);
        return answer.body.data[mutation];
      },
      async stop() {
        for (const agent of agents) await agent.close();
        await topo.stop();
      },
    };
  } catch (err) {
    for (const agent of agents) await agent.close();
    await topo.stop();
    throw err;
  }
}

/** Waits until the gateway consumes every cell's events (each stream live). */
export async function waitForStreams(topo: Topology, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = topo.gateway.events.hub.streamStates();
    const withQueue = topo.cells.filter((cell) => cell.vhost);
    if (withQueue.every((cell) => states.some((s) => s.cellUuid === cell.uuid && s.live))) return;
    if (Date.now() > deadline) throw new Error(`event streams not live: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Closes the gateway's connection to `cell`'s vhost from the broker's side, as an operator would. */
export async function cutGatewayStream(cell: TestCell): Promise<void> {
  const name = eventStreamConnectionName(cell.uuid);
  // The connection_name client property (list_connections shows it among client_properties).
  const rows = (await rabbitmqctl('list_connections', 'pid', 'client_properties')).split('\n');
  const pids = rows.filter((row) => row.includes(name)).map((row) => row.trim().split(/\s+/)[0]);
  if (pids.length === 0) throw new Error(`no broker connection named ${name}`);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'test: cut the gateway event stream');
}
