import { randomUUID } from 'node:crypto';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';
import { admin as adminIdentity, gql, user } from '../cell/support/graphqlClient';

const LIST = `query($first: Int, $after: String, $filter: InstanceFilter, $sort: [InstanceSort!]) {
  instances(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { node { uuid status displayName } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellName status }
  }
}`;
const CREATE = `mutation($input: CreateServerInput!) { createServer(input: $input) { reservationId } }`;
const cursor = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('every value checked at the edge', () => {
  let topo: Topology;
  let live: SeededInstance[];
  let token: string;
  let adminToken: string;
  let flavorId: string;
  const building = { uuid: randomUUID(), displayName: 'pending-2' };
  // A name `^(a+)+$` backtracks on for 2^36 steps in JavaScript's RegExp.
  const redos = { uuid: randomUUID(), displayName: `${'a'.repeat(36)}b` };

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    live = [
      ...(await seedInstances(topo.cells[0], topo.api, { count: 3, slot: 0, slots: 2 })),
      ...(await seedInstances(topo.cells[1], topo.api, { count: 3, slot: 1, slots: 2 })),
    ];
    const flavor = await topo.api.instanceType.create({
      data: { name: 'm1.tiny', flavorid: '1', memoryMb: 512, vcpus: 1, rootGb: 1 },
    });
    flavorId = String(flavor.id);
    for (const b of [building, redos]) {
      await topo.api.instanceMapping.create({ data: { instanceUuid: b.uuid, projectId: 'demo', userId: 'demo-user' } });
      await topo.api.buildRequest.create({
        data: {
          instanceUuid: b.uuid,
          projectId: 'demo',
          userId: 'demo-user',
          instance: JSON.stringify({ displayName: b.displayName, flavorId: flavor.id }),
        },
      });
    }
    token = await topo.token('demo');
    adminToken = await topo.token('admin', { admin: true });
  });
  afterAll(() => topo?.stop());

  const cellRequests = () => [...topo.gateway.router.requestsByCell.values()].reduce((a, b) => a + b, 0);

  // Refused at the gateway: one 400 BAD_USER_INPUT naming the field, and no cell asked.
  async function refusedAtGateway(query: string, variables: Record<string, unknown>, field: string, as = token) {
    const before = cellRequests();
    const res = await topo.query(query, variables, as);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(cellRequests()).toBe(before);
    return res.body.errors[0];
  }

  describe('cursors', () => {
    it('refuses a cursor whose timestamp is not one (it failed every cell with 22007) before any cell is asked', async () => {
      const before = cellRequests();
      const res = await topo.query(LIST, { after: cursor({ s: ['CREATED_AT:DESC'], v: ['1'], u: 'x' }) }, token);
      expect(res.body.data?.instances ?? null).toBeNull();
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/^after: cursor value 0 is not a timestamp/),
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      ]);
      expect(cellRequests()).toBe(before);
    });

    it('refuses a tampered tie-breaker and a name value with a NUL byte', async () => {
      for (const [after, sort] of [
        [cursor({ s: ['CREATED_AT:DESC'], v: ['2026-01-01T00:00:00.000Z'], u: "' OR 1=1 --" }), undefined],
        [
          cursor({ s: ['DISPLAY_NAME:ASC'], v: ['a\u0000'], u: live[0].uuid }),
          [{ key: 'DISPLAY_NAME', direction: 'ASC' }],
        ],
      ] as const) {
        const res = await topo.query(LIST, { after, sort }, token);
        expect(res.body.errors).toEqual([
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
        ]);
      }
    });
  });

  describe('NUL bytes and unpaired surrogates, in every argument and input field', () => {
    it.each([
      ['filter.host', { filter: { host: 'compute\u0000' } }],
      ['filter.name', { filter: { name: 'vm\u0000' } }],
      ['filter.name', { filter: { name: 'vm\ud800' } }],
      ['filter.uuids[1]', { filter: { uuids: [randomUUID(), `${randomUUID()}\u0000`] } }],
      ['filter.projectId', { filter: { projectId: '\udfff' } }],
    ])('refuses %s with 400 BAD_USER_INPUT before any cell is asked', async (field, variables) => {
      const error = await refusedAtGateway(LIST, variables, field);
      expect(error.message).toMatch(
        new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: expected text without NUL bytes or unpaired surrogates`),
      );
    });

    it('refuses them inline too, and in a createServer name or metadata key (they were CELL_UNAVAILABLE)', async () => {
      await refusedAtGateway('{ instances(filter: { host: "a\\u0000" }) { complete } }', {}, 'filter.host');
      await refusedAtGateway(CREATE, { input: { name: 'web\u0000', flavorId, imageRef: 'cirros' } }, 'input.name');
      await refusedAtGateway(
        CREATE,
        { input: { name: 'web', flavorId, imageRef: 'cirros', metadata: [{ key: 'k\u0000', value: 'v' }] } },
        'input.metadata[0].key',
      );
      await refusedAtGateway(
        CREATE,
        { input: { name: 'web', flavorId, imageRef: 'cirros', metadata: [{ key: 'k', value: '\ud83d' }] } },
        'input.metadata[0].value',
      );
    });

    it('is refused by the subgraphs themselves as well (defence in depth)', async () => {
      const cell = topo.cells[0].subgraph!.url;
      for (const filter of [{ host: 'a\u0000' }, { name: 'a\u0000' }, { uuids: ['\u0000'] }]) {
        const answer: any = await gql(cell, LIST, { filter }, user('demo'));
        expect(answer.errors[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: expect.stringMatching(/^filter\./),
        });
      }
      const named: any = await gql(
        topo.global.url,
        CREATE,
        { input: { name: 'web\u0000', flavorId, imageRef: 'cirros' } },
        user('demo'),
      );
      expect(named.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
      const keyed: any = await gql(
        topo.global.url,
        CREATE,
        { input: { name: 'web', flavorId, imageRef: 'cirros', metadata: [{ key: 'k\u0000', value: 'v' }] } },
        user('demo'),
      );
      expect(keyed.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.metadata[0].key' });
      const builds: any = await gql(
        topo.global.url,
        '{ buildRequests(allProjects: true, name: "a\\u0000") { instanceUuid } }',
        {},
        adminIdentity(),
      );
      expect(builds.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    });
  });

  describe('uuids where the schema means a uuid', () => {
    it('refuses instance(uuid: "\\u0000") with BAD_USER_INPUT (it answered GLOBAL_UNAVAILABLE)', async () => {
      await refusedAtGateway('query($u: ID!) { instance(uuid: $u) { uuid } }', { u: '\u0000' }, 'uuid');
      const error = await refusedAtGateway('{ instance(uuid: "not-a-uuid") { uuid } }', {}, 'uuid');
      expect(error.message).toBe('uuid: expected a uuid, got "not-a-uuid"');
    });

    it('refuses a DateTime that is not a timestamp (the API schema knows the scalar by name only)', async () => {
      await refusedAtGateway('{ instances(filter: { changesSince: false }) { complete } }', {}, 'filter.changesSince');
      await refusedAtGateway('{ buildRequests(changesSince: "soon") { instanceUuid } }', {}, 'changesSince');
      const ok = await topo.query(
        '{ instances(filter: { changesSince: "2026-01-01T00:00:00.000Z" }) { complete } }',
        {},
        token,
      );
      expect(ok.body.data.instances.complete).toBe(true);
    });

    it('refuses them in actions, filter.uuids and filter.cellUuid, and still answers real ones', async () => {
      await refusedAtGateway('mutation { rebootInstance(uuid: "x") { action } }', {}, 'uuid', adminToken);
      await refusedAtGateway(LIST, { filter: { uuids: [live[0].uuid, 'nope'] } }, 'filter.uuids[1]');
      await refusedAtGateway(LIST, { filter: { cellUuid: 'cell1' } }, 'filter.cellUuid', adminToken);
      const one = await topo.query('query($u: ID!) { instance(uuid: $u) { uuid } }', { u: live[0].uuid }, token);
      expect(one.body).toEqual({ data: { instance: { uuid: live[0].uuid } } });
      const missing = await topo.query('query($u: ID!) { instance(uuid: $u) { uuid } }', { u: randomUUID() }, token);
      expect(missing.body).toEqual({ data: { instance: null } });
    });
  });

  describe('variables read as GraphQL coerces them', () => {
    it('lists the same for a sort given as one object in a variable as for the literal (it failed: sort.map is not a function)', async () => {
      const literal = await topo.query(
        '{ instances(first: 50, sort: { key: DISPLAY_NAME, direction: ASC }) { edges { node { uuid } } complete } }',
        {},
        token,
      );
      const variable = await topo.query(LIST, { first: 50, sort: { key: 'DISPLAY_NAME', direction: 'ASC' } }, token);
      expect(variable.body.errors).toBeUndefined();
      expect(variable.body.data.instances.complete).toBe(true);
      expect(variable.body.data.instances.edges.map((e: any) => e.node.uuid)).toEqual(
        literal.body.data.instances.edges.map((e: any) => e.node.uuid),
      );
      expect(variable.body.data.instances.edges).toHaveLength(live.length + 2);
    });

    it('pages a coerced filter.uuids given as one string', async () => {
      const res = await topo.query(LIST, { filter: { uuids: live[4].uuid } }, token);
      expect(res.body.data.instances.edges.map((e: any) => e.node.uuid)).toEqual([live[4].uuid]);
    });
  });

  describe('one regular-expression semantics, PostgreSQL`s, where the rows live', () => {
    it('filters build requests in SQL with the cells` operator (\\m is a word start in PostgreSQL, a plain m in JavaScript)', async () => {
      const res = await topo.query(LIST, { filter: { name: '\\mpending-2$' } }, token);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.instances.edges.map((e: any) => e.node)).toEqual([
        { uuid: building.uuid, status: 'BUILD', displayName: 'pending-2' },
      ]);
    });

    it('never runs a pattern in the gateway: ^(a+)+$ against a long name answers (JavaScript backtracks for hours)', async () => {
      const res = await topo.query(LIST, { filter: { name: '^(a+)+$' } }, token);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.instances).toMatchObject({ edges: [], complete: true });
    });

    it('refuses a pattern PostgreSQL cannot read with BAD_USER_INPUT naming filter.name, before any cell is asked', async () => {
      const error = await refusedAtGateway(LIST, { filter: { name: '(unclosed' } }, 'filter.name');
      expect(error.message).toBe(
        'filter.name: expected a valid regular expression (PostgreSQL: parentheses () not balanced), got "(unclosed"',
      );
      // Asked once per pattern: the second refusal needs no global request either.
      const globalBefore = topo.gateway.global.requests;
      await refusedAtGateway(LIST, { filter: { name: '(unclosed' } }, 'filter.name');
      expect(topo.gateway.global.requests).toBe(globalBefore);
    });

    it('refuses a pattern longer than 256 characters', async () => {
      const error = await refusedAtGateway(LIST, { filter: { name: 'a'.repeat(257) } }, 'filter.name');
      expect(error.message).toMatch(/^filter\.name: expected a regular expression of at most 256 characters/);
    });
  });
});
