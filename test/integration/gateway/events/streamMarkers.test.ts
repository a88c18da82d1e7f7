import { openLogs, subscribeSse, subscribeWs, type ReceivedEvent } from '../../../helpers/eventClients';
import { seedInstances } from '../../../helpers/instances';
import { rabbitmqctl } from '../../../helpers/rabbit';
import { cutGatewayStream, startEventWorld, waitForStreams, type EventWorld } from './eventWorld';

const marker = (kind: string, cellUuid: string) => (e: ReceivedEvent) => e.kind === kind && e.cellUuid === cellUuid;

// Real topologies on a machine shared with other test runs: the defaults are too short under load.
jest.setTimeout(180000);

describe("a cell's event stream lost and restored: subscribers are told, in their scope only", () => {
  let world: EventWorld;
  const logs = openLogs();
  const track = logs.track;

  beforeAll(async () => {
    world = await startEventWorld();
  }, 240000);
  afterEach(() => logs.closeAll());
  afterAll(() => world?.stop());

  it("marks the gateway's connection closed by the broker as interrupted, then restored, and streams again", async () => {
    const { topo, demo, alt, tokens } = world;
    const [cell1] = topo.cells;
    const demoEvents = track(await subscribeWs(topo.gateway.url, tokens.demo, null));
    const altEvents = track(subscribeSse(topo.gateway.url, tokens.alt, null));
    const admin = track(await subscribeWs(topo.gateway.url, tokens.admin, { allProjects: true }));
    await world.act('lockInstance', alt[0].uuid, tokens.alt);
    await altEvents.waitFor((e) => e.instanceUuid === alt[0].uuid, 20000, "alt_demo's own event");

    await cutGatewayStream(cell1);
    const interrupted = await demoEvents.waitFor(marker('STREAM_INTERRUPTED', cell1.uuid), 20000, 'the interruption');
    expect(interrupted).toMatchObject({
      eventType: 'cell.stream.interrupted',
      cellName: 'cell1',
      instanceUuid: null,
      projectId: null,
      message: expect.stringMatching(/^events of cell cell1 interrupted: .*; events may be missed, refetch$/),
    });
    await admin.waitFor(marker('STREAM_INTERRUPTED', cell1.uuid), 20000, "the admin's interruption");
    const restored = await demoEvents.waitFor(marker('STREAM_RESTORED', cell1.uuid), 20000, 'the restoration');
    expect(restored).toMatchObject({
      eventType: 'cell.stream.restored',
      cellName: 'cell1',
      message: expect.stringMatching(/refetch$/),
    });
    await admin.waitFor(marker('STREAM_RESTORED', cell1.uuid), 20000, "the admin's restoration");
    expect(demoEvents.events.indexOf(interrupted)).toBeLessThan(demoEvents.events.indexOf(restored));

    await world.act('lockInstance', demo[0].uuid, tokens.demo);
    await demoEvents.waitFor((e) => e.instanceUuid === demo[0].uuid && e.eventType === 'instance.lock.end');
    // alt_demo holds nothing in cell1: its later event arrives, and no marker of cell1 came before it.
    await world.act('unlockInstance', alt[0].uuid, tokens.alt);
    await altEvents.waitFor((e) => e.instanceUuid === alt[0].uuid && e.eventType === 'instance.unlock.end');
    expect(altEvents.events.filter((e) => e.cellUuid === cell1.uuid)).toEqual([]);
    expect(altEvents.events.every((e) => e.kind === 'INSTANCE' && e.projectId === 'alt_demo')).toBe(true);
  });

  it('tells a subscriber at once when a cell of its scope is down as it subscribes, and when the vhost is back', async () => {
    const { topo, alt, tokens } = world;
    const cell2 = topo.cells[1];
    await rabbitmqctl('delete_vhost', cell2.vhost!.name);
    try {
      await waitFor(() => topo.gateway.events.hub.streamStates().some((s) => s.cellUuid === cell2.uuid && !s.live));
      const late = track(await subscribeWs(topo.gateway.url, tokens.alt, null));
      const interrupted = await late.waitFor(marker('STREAM_INTERRUPTED', cell2.uuid));
      expect(interrupted.message).toMatch(/^events of cell cell2 interrupted: /);
      // Operators see it too: the stream's gauge is 0 while subscribers hold the marker.
      const during = await topo.gateway.metrics.registry.metrics();
      expect(during).toMatch(/^cells_event_stream_up\{cell="cell2"\} 0$/m);
      expect(during).toMatch(/^cells_event_stream_up\{cell="cell1"\} 1$/m);
      await rabbitmqctl('add_vhost', cell2.vhost!.name);
      await rabbitmqctl('set_permissions', '-p', cell2.vhost!.name, 'guest', '.*', '.*', '.*');
      await late.waitFor(marker('STREAM_RESTORED', cell2.uuid), 30000, 'the restoration');
      expect(await topo.gateway.metrics.registry.metrics()).toMatch(/^cells_event_stream_up\{cell="cell2"\} 1$/m);
    } finally {
      await rabbitmqctl('add_vhost', cell2.vhost!.name).catch(() => undefined);
      await rabbitmqctl('set_permissions', '-p', cell2.vhost!.name, 'guest', '.*', '.*', '.*');
    }
    // The compute agent and the cell subgraph reconnect on their own; events flow again.
    await waitForStreams(topo);
    const after = track(await subscribeWs(topo.gateway.url, tokens.alt, null));
    await waitFor(async () => {
      await world.act('lockInstance', alt[3].uuid, tokens.alt).catch(() => undefined);
      await world.act('unlockInstance', alt[3].uuid, tokens.alt).catch(() => undefined);
      return after.events.some((e) => e.instanceUuid === alt[3].uuid);
    }, 30000);
  });

  it('picks up a cell created while running and streams its events', async () => {
    const { topo, tokens } = world;
    const admin = track(await subscribeWs(topo.gateway.url, tokens.admin, { allProjects: true }));
    const cell3 = await topo.addCell('cell3');
    await world.startAgent(cell3);
    const [row] = await seedInstances(cell3, topo.api, { count: 1, projects: ['demo'] });
    await waitForStreams(topo);
    await world.act('stopInstance', row.uuid, tokens.demo);
    const end = await admin.waitFor((e) => e.instanceUuid === row.uuid && e.eventType === 'instance.power_off.end');
    expect(end).toMatchObject({ cellUuid: cell3.uuid, cellName: 'cell3', status: 'SHUTOFF', projectId: 'demo' });
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
