import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { connect } from 'amqplib';
import { computeQueue } from '../../../domain/computeMessages';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';
import type { GatewayContext } from '../../../gateway/context';

const ENTITIES =
  'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Instance { uuid displayName } } }';

describe('routing one instance, entities and mutations to the owning cell', () => {
  let topo: Topology;
  let cell1: SeededInstance[];
  let cell2: SeededInstance[];
  let admin: string;
  const context: GatewayContext = {
    identity: { userId: 'admin-user', projectId: 'admin', roles: ['admin'], isAdmin: true },
    requestId: 'test-request',
  };

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'], queues: true });
    cell1 = await seedInstances(topo.cells[0], topo.api, { count: 3 });
    cell2 = await seedInstances(topo.cells[1], topo.api, { count: 3 });
    admin = await topo.token('admin', { admin: true });
  });
  afterAll(() => topo?.stop());

  /** Sends an operation to the cell router as the query planner would. */
  const plan = (query: string, variables: Record<string, unknown>) =>
    topo.gateway.router.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query, variables },
      context: { ...context },
      incomingRequestContext: {} as never,
    });

  it('puts _entities answers back in the original order, one request per cell', async () => {
    const order = [cell2[0], cell1[1], cell2[2], cell1[0]];
    const before = new Map(topo.gateway.router.requestsByCell);
    const response = await plan(ENTITIES, {
      representations: order.map((r) => ({ __typename: 'Instance', uuid: r.uuid })),
    });
    expect((response.data as any)._entities.map((e: any) => e.uuid)).toEqual(order.map((r) => r.uuid));
    for (const cell of topo.cells)
      expect(topo.gateway.router.requestsByCell.get(cell.uuid)! - (before.get(cell.uuid) ?? 0)).toBe(1);
  });

  it('skips the mapping look-up when a representation carries its cell', async () => {
    topo.gateway.mappingCache.clear();
    const before = topo.gateway.global.requests;
    const response = await plan(ENTITIES, {
      representations: [{ __typename: 'Instance', uuid: cell1[2].uuid, cellUuid: topo.cells[0].uuid }],
    });
    expect((response.data as any)._entities[0].displayName).toBe(cell1[2].displayName);
    expect(topo.gateway.global.requests).toBe(before);
  });

  it("answers an entity's cell from the cell it asked, each entity its own", async () => {
    const response = await plan(
      'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Instance { __typename uuid cell { uuid name } } } }',
      { representations: [cell2[0], cell1[1]].map((r) => ({ __typename: 'Instance', uuid: r.uuid })) },
    );
    expect((response.data as any)._entities).toEqual([
      { __typename: 'Instance', uuid: cell2[0].uuid, cell: { uuid: topo.cells[1].uuid, name: 'cell2' } },
      { __typename: 'Instance', uuid: cell1[1].uuid, cell: { uuid: topo.cells[0].uuid, name: 'cell1' } },
    ]);
  });

  it("answers Instance.cell as the global subgraph's mapping does, and a Cell field the router lacks from the global", async () => {
    const planned = topo.gateway.plannedGlobalRequests.count;
    const res = await topo.query(
      'query($u: ID!) { instance(uuid: $u) { cell { uuid name } } }',
      { u: cell2[2].uuid },
      admin,
    );
    expect(res.body).toEqual({ data: { instance: { cell: { uuid: topo.cells[1].uuid, name: 'cell2' } } } });
    expect(topo.gateway.plannedGlobalRequests.count).toBe(planned); // the router answered it
    const both = await topo.query(
      'query($u: ID!) { instance(uuid: $u) { cell { name hostCount } mapping { cell { uuid name } } } }',
      { u: cell2[2].uuid },
      admin,
    );
    expect(both.body.errors).toBeUndefined();
    const { cell, mapping } = both.body.data.instance;
    expect(cell).toEqual({ name: 'cell2', hostCount: expect.any(Number) });
    expect(mapping.cell).toEqual({ uuid: topo.cells[1].uuid, name: cell.name });
  });

  it('answers null for an unknown instance and CELL_UNAVAILABLE at the index of one whose cell is down', async () => {
    await topo.cells[1].stop();
    try {
      const response = await plan(ENTITIES, {
        representations: [
          { __typename: 'Instance', uuid: cell1[0].uuid },
          { __typename: 'Instance', uuid: cell2[1].uuid },
          { __typename: 'Instance', uuid: '00000000-0000-0000-0000-0000000000aa' },
        ],
      });
      expect((response.data as any)._entities).toEqual([
        { uuid: cell1[0].uuid, displayName: cell1[0].displayName },
        null,
        null,
      ]);
      expect(response.errors).toEqual([
        expect.objectContaining({
          path: ['_entities', 1],
          extensions: expect.objectContaining({ code: 'CELL_UNAVAILABLE', cellUuid: topo.cells[1].uuid }),
        }),
      ]);
    } finally {
      await topo.cells[1].start();
    }
  });

  it('sends an instance mutation to the owning cell only, which queues it for the host', async () => {
    const target = cell2[1];
    // The host's compute agent owns its queue; the publisher only publishes (mandatory) to it.
    const broker = await connect(topo.cells[1].vhost!.url);
    await (await broker.createChannel()).assertQueue(computeQueue(target.host!), { durable: true });
    await broker.close();
    const before = new Map(topo.gateway.router.requestsByCell);
    const res = await topo.query(
      'mutation($u: ID!) { stopInstance(uuid: $u) { action requestId instance { uuid taskState } } }',
      { u: target.uuid },
      admin,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.stopInstance).toMatchObject({
      action: 'stop',
      instance: { uuid: target.uuid, taskState: 'powering-off' },
    });
    expect(topo.gateway.router.requestsByCell.get(topo.cells[0].uuid) ?? 0).toBe(before.get(topo.cells[0].uuid) ?? 0);
    const action = await topo.cells[1].prisma.instanceAction.findFirst({
      where: { instanceUuid: target.uuid, action: 'stop' },
    });
    expect(action?.requestId).toBe(res.body.data.stopInstance.requestId);
  });

  it('refuses a mutation on an unknown instance with NOT_FOUND and a non-admin on another project', async () => {
    const unknown = await topo.query(
      'mutation { rebootInstance(uuid: "00000000-0000-0000-0000-0000000000bb") { action } }',
      {},
      admin,
    );
    expect(unknown.body.errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const stranger = await topo.query(
      'mutation($u: ID!) { rebootInstance(uuid: $u) { action } }',
      { u: cell1[0].uuid },
      await topo.token('alt'),
    );
    expect(stranger.body.errors[0].extensions.code).toMatch(/NOT_FOUND|FORBIDDEN/);
    const untouched = await topo.cells[0].prisma.instance.findUniqueOrThrow({ where: { uuid: cell1[0].uuid } });
    expect(untouched.taskState).toBeNull();
  });
});
