import { openLogs, subscribeSse, subscribeWs, type ReceivedEvent } from '../../../helpers/eventClients';
import { startEventWorld, type EventWorld } from './eventWorld';

const forInstance = (uuid: string, eventType: string) => (e: ReceivedEvent) =>
  e.instanceUuid === uuid && e.eventType === eventType;

// Real topologies on a machine shared with other test runs: the defaults are too short under load.
jest.setTimeout(180000);

describe('live instance events over WebSocket and SSE, scoped like instance lists', () => {
  let world: EventWorld;
  const logs = openLogs();
  const track = logs.track;

  beforeAll(async () => {
    world = await startEventWorld();
  }, 240000);
  afterEach(() => logs.closeAll());
  afterAll(() => world?.stop());

  it("streams an action's events, from the cell subgraph and the compute agent, to its project over WebSocket", async () => {
    const { topo, demo, tokens } = world;
    const events = track(await subscribeWs(topo.gateway.url, tokens.demo, null));
    const { requestId } = await world.act('rebootInstance', demo[0].uuid, tokens.demo);
    const end = await events.waitFor(forInstance(demo[0].uuid, 'instance.reboot.end'));
    const mine = events.events.filter((e) => e.requestId === requestId).map((e) => e.eventType);
    expect(mine).toEqual(['instance.update', 'instance.reboot.start', 'instance.update', 'instance.reboot.end']);
    expect(events.events.find((e) => e.requestId === requestId && e.eventType === 'instance.update')).toMatchObject({
      kind: 'INSTANCE',
      status: 'REBOOT',
      taskState: 'rebooting',
      action: null,
    });
    expect(end).toMatchObject({
      kind: 'INSTANCE',
      cellUuid: topo.cells[0].uuid,
      cellName: 'cell1',
      projectId: 'demo',
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      action: 'reboot',
      host: 'cell1-compute1',
    });
    expect(Date.parse(end.occurredAt)).not.toBeNaN();
  });

  it("streams over SSE (graphql-sse) with the caller's project only: nothing of another tenant's", async () => {
    const { topo, demo, alt, tokens } = world;
    const altEvents = track(subscribeSse(topo.gateway.url, tokens.alt, null));
    const demoEvents = track(subscribeSse(topo.gateway.url, tokens.demo, null));
    // Both streams are open once each sees an event of its own; then the other tenant acts.
    await world.act('lockInstance', alt[0].uuid, tokens.alt);
    await world.act('lockInstance', demo[1].uuid, tokens.demo);
    await altEvents.waitFor(forInstance(alt[0].uuid, 'instance.lock.end'));
    await demoEvents.waitFor(forInstance(demo[1].uuid, 'instance.lock.end'));
    await world.act('stopInstance', demo[1].uuid, tokens.admin);
    await demoEvents.waitFor(forInstance(demo[1].uuid, 'instance.power_off.end'));
    // alt's own later event proves its stream still flows after demo's events went by.
    await world.act('unlockInstance', alt[0].uuid, tokens.alt);
    await altEvents.waitFor(forInstance(alt[0].uuid, 'instance.unlock.end'));
    expect(altEvents.events.length).toBeGreaterThan(0);
    expect(altEvents.events.every((e) => e.projectId === 'alt_demo')).toBe(true);
    expect(demoEvents.events.every((e) => e.projectId === 'demo')).toBe(true);
    expect(demoEvents.events.map((e) => e.eventType)).toEqual(
      expect.arrayContaining(['instance.lock.start', 'instance.lock.end', 'instance.power_off.end']),
    );
  });

  it('gives an admin every project with allProjects, one project with projectId, and its own by default', async () => {
    const { topo, demo, alt, tokens } = world;
    const all = track(await subscribeWs(topo.gateway.url, tokens.admin, { allProjects: true }));
    const altOnly = track(await subscribeWs(topo.gateway.url, tokens.admin, { projectId: 'alt_demo' }));
    const own = track(await subscribeWs(topo.gateway.url, tokens.admin, null));
    await world.act('pauseInstance', demo[2].uuid, tokens.demo);
    await world.act('pauseInstance', alt[2].uuid, tokens.alt);
    await all.waitFor(forInstance(demo[2].uuid, 'instance.pause.end'));
    await all.waitFor(forInstance(alt[2].uuid, 'instance.pause.end'));
    await altOnly.waitFor(forInstance(alt[2].uuid, 'instance.pause.end'));
    expect(all.events.map((e) => e.cellName)).toEqual(expect.arrayContaining(['cell1', 'cell2']));
    expect(altOnly.events.every((e) => e.projectId === 'alt_demo')).toBe(true);
    // The admin's own project (admin) has no instances here: nothing of demo's or alt_demo's.
    expect(own.events).toEqual([]);
  });

  it('narrows to the instances named in uuids', async () => {
    const { topo, demo, tokens } = world;
    const one = track(await subscribeWs(topo.gateway.url, tokens.demo, { uuids: [demo[3].uuid] }));
    const whole = track(await subscribeWs(topo.gateway.url, tokens.demo, null));
    await world.act('lockInstance', demo[0].uuid, tokens.demo);
    await world.act('lockInstance', demo[3].uuid, tokens.demo);
    await whole.waitFor(forInstance(demo[0].uuid, 'instance.lock.end'));
    await one.waitFor(forInstance(demo[3].uuid, 'instance.lock.end'));
    expect(one.events.every((e) => e.instanceUuid === demo[3].uuid)).toBe(true);
  });

  it("never serves a tenant another project's instances, even by uuid", async () => {
    const { topo, demo, alt, tokens } = world;
    const sneaky = track(await subscribeWs(topo.gateway.url, tokens.alt, { uuids: [demo[0].uuid, alt[1].uuid] }));
    await world.act('unlockInstance', demo[0].uuid, tokens.demo);
    await world.act('lockInstance', alt[1].uuid, tokens.alt);
    await sneaky.waitFor(forInstance(alt[1].uuid, 'instance.lock.end'));
    expect(sneaky.events.every((e) => e.projectId === 'alt_demo')).toBe(true);
  });

  describe('refuses a bad filter, naming the field and the value', () => {
    const cases: [string, 'demo' | 'admin', Record<string, unknown>, string, RegExp][] = [
      [
        'a tenant asking for another project',
        'demo',
        { projectId: 'alt_demo' },
        'FORBIDDEN',
        /filter\.projectId.*"alt_demo"/,
      ],
      ['a tenant asking for every project', 'demo', { allProjects: true }, 'FORBIDDEN', /filter\.allProjects/],
      ['a project id that is no id', 'admin', { projectId: 'a b' }, 'BAD_USER_INPUT', /filter\.projectId.*"a b"/],
      ['a uuid that is none', 'admin', { uuids: ['not-a-uuid'] }, 'BAD_USER_INPUT', /filter\.uuids\[0\].*"not-a-uuid"/],
      ['an empty uuids', 'admin', { uuids: [] }, 'BAD_USER_INPUT', /filter\.uuids: expected at least one/],
    ];
    it.each(cases)('%s', async (_what, who, filter, code, message) => {
      const events = track(await subscribeWs(world.topo.gateway.url, world.tokens[who], filter));
      await events.ended;
      const [errors] = events.errors as { message: string; extensions: { code: string } }[][];
      expect(errors[0].extensions.code).toBe(code);
      expect(errors[0].message).toMatch(message);
      expect(events.events).toEqual([]);
    });
  });

  it('refuses a WebSocket without a valid token with 4403, and SSE with 401', async () => {
    const { topo } = world;
    await expect(subscribeWs(topo.gateway.url, null, null)).rejects.toThrow(/4403 Forbidden: missing bearer token/);
    await expect(subscribeWs(topo.gateway.url, 'not.a.jwt', null)).rejects.toThrow(/4403 Forbidden: invalid token/);
    const response = await fetch(`${topo.gateway.url}/stream`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: JSON.stringify({ query: 'subscription { instanceEvents { kind } }' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('serves subscriptions only: a query over the socket is refused, pointing at HTTP POST', async () => {
    const events = track(
      await subscribeWs(world.topo.gateway.url, world.tokens.demo, null, {
        query: '{ instances(first: 1) { complete } }',
      }),
    );
    await events.ended;
    expect(JSON.stringify(events.errors)).toMatch(/subscriptions only; send queries with HTTP POST \/graphql/);
  });

  it('limits subscriptions per WebSocket', async () => {
    const { topo, tokens } = world;
    const first = track(await subscribeWs(topo.gateway.url, tokens.demo, null));
    const limit = 10;
    for (let i = 1; i < limit; i++)
      first.client.subscribe(
        { query: 'subscription { instanceEvents { kind } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
    const refused = await new Promise<unknown>((resolve) =>
      first.client.subscribe(
        { query: 'subscription { instanceEvents { kind } }' },
        { next: () => undefined, error: resolve, complete: () => resolve(null) },
      ),
    );
    expect(refused).toEqual([
      expect.objectContaining({
        message: `too many subscriptions on this connection: at most ${limit}`,
        extensions: expect.objectContaining({
          code: 'TOO_MANY_SUBSCRIPTIONS',
          limit: 'CELLS_SUBSCRIPTIONS_PER_CONNECTION',
        }),
      }),
    ]);
  });

  it('shows the Subscription type through introspection, and queries over HTTP work as before', async () => {
    const { topo, tokens } = world;
    const answer = await topo.query(
      '{ __schema { subscriptionType { fields { name args { name } type { ofType { name } } } } } instances(first: 1) { complete } }',
      {},
      tokens.demo,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data.__schema.subscriptionType.fields).toEqual([
      { name: 'instanceEvents', args: [{ name: 'filter' }], type: { ofType: { name: 'InstanceEvent' } } },
    ]);
    expect(answer.body.data.instances.complete).toBe(true);
  });

  it('answers a subscription sent over HTTP POST with an error, never a 500', async () => {
    const answer = await world.topo.query('subscription { instanceEvents { kind } }', {}, world.tokens.demo);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.errors?.length).toBeGreaterThan(0);
  });
});
