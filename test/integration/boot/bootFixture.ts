import { discoverHosts, mapCell0 } from '../../../cellsAdmin';
import { startComputeAgent, type RunningComputeAgent } from '../../../compute/agent';
import { createCellClient } from '../../../prisma/clients';
import { releaseDeletedServer } from '../../../domain/quotas/releaseServer';
import { startTopology, type TestCell, type Topology } from '../../helpers/topology';
import { waitFor } from '../cell/support/waitFor';

export { waitFor };

export const CREATE = `mutation($input: CreateServerInput!) {
  createServer(input: $input) { reservationId servers { uuid status vmState cell { name isCell0 } } }
}`;
export const INSTANCE = `query($uuid: ID!) { instance(uuid: $uuid) { uuid status vmState host displayName fault { code message } cell { name isCell0 } } }`;
export const LIST = `query($filter: InstanceFilter) { instances(first: 200, filter: $filter) { edges { node { uuid status displayName } } complete } }`;
export const QUOTA = `query($projectId: String!) { quotaSet(projectId: $projectId) { resources { resource limit inUse reserved } } }`;
export const DELETE = `mutation($uuid: ID!) { deleteInstance(uuid: $uuid) { instance { uuid status } } }`;

/** A boot topology: cell0, two cells with RabbitMQ vhosts and mapped hosts, an agent per cell, a flavor. */
export interface BootWorld {
  topo: Topology;
  cell0: TestCell;
  agents: RunningComputeAgent[];
  flavorId: string;
  /** Releases done on confirmed deletions: the agents' (compute main's onDeleted) and cell0's local ones. */
  released: string[];
  stop(): Promise<void>;
}

const NODE = { vcpus: 64, memoryMb: 65536, localGb: 1000 };

export async function startBootWorld(): Promise<BootWorld> {
  const topo = await startTopology({ cells: ['cell1', 'cell2'], queues: true, gateway: { cellRefreshMs: 200 } });
  const cell0 = await topo.addCell(
    'cell0',
    async (input) =>
      (await mapCell0(topo.api, { databaseConnection: input.databaseConnection, graphqlUrl: input.graphqlUrl })).cell
        .uuid,
  );
  const released: string[] = [];
  // cell0 has no agent: its subgraph releases on a local delete (subgraphs/cell/main.ts's wiring).
  await cell0.stop();
  await cell0.start({
    onInstanceDeleted: async (instance) => {
      if (await releaseDeletedServer(topo.api, instance.uuid, instance)) released.push(instance.uuid);
    },
  });
  const agents: RunningComputeAgent[] = [];
  for (const [cell, hosts] of [
    [topo.cells[0], ['compute1']],
    [topo.cells[1], ['compute2']],
  ] as const) {
    agents.push(
      await startComputeAgent({
        cellUuid: cell.uuid,
        databaseUrl: cell.db.url,
        transportUrl: cell.vhost!.url,
        hosts: [...hosts],
        delayMs: 20,
        node: NODE,
        onDeleted: async (instance) => {
          if (await releaseDeletedServer(topo.api, instance.uuid, instance)) released.push(instance.uuid);
        },
      }),
    );
  }
  await discoverHosts(topo.api, { openCell: (url) => createCellClient(url, { max: 1 }) });
  const flavor = await topo.api.instanceType.create({
    data: { name: 'm1.small', flavorid: 'small', vcpus: 1, memoryMb: 512, rootGb: 1 },
  });
  return {
    topo,
    cell0,
    agents,
    flavorId: String(flavor.id),
    released,
    async stop() {
      for (const agent of agents) await agent.close();
      await topo.stop();
    },
  };
}

/** The project's instances/cores/ram usage as the API answers it. */
export async function bootUsage(
  topo: Topology,
  token: string,
  projectId: string,
): Promise<Record<string, { limit: number; inUse: number; reserved: number }>> {
  const { body } = await topo.query(QUOTA, { projectId }, token);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  const rows = body.data!.quotaSet.resources.filter((r: { resource: string }) =>
    ['instances', 'cores', 'ram'].includes(r.resource),
  );
  return Object.fromEntries(
    rows.map((r: any) => [r.resource, { limit: r.limit, inUse: r.inUse, reserved: r.reserved }]),
  );
}

/** Waits until the gateway shows the instance with `status`. */
export function waitForStatus(topo: Topology, token: string, uuid: string, status: string): Promise<any> {
  return waitFor(`instance ${uuid} to be ${status}`, async () => {
    const instance = (await topo.query(INSTANCE, { uuid }, token)).body.data?.instance;
    return instance?.status === status ? instance : undefined;
  });
}
