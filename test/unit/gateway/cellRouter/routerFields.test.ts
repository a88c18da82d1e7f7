import { parse, validate } from 'graphql';
import { cellSchema } from '../../../../gateway/cellRouter/operation';
import { fillRouterFlavors, routeRouterFields } from '../../../../gateway/cellRouter/routerFields';

const CELL = { uuid: '4f7c1d0e-0000-4000-8000-000000000001', name: 'cell1' };

/** The request as a cell gets it (it must validate against the cell schema), and the answer filled. */
function route(query: string, variables: Record<string, unknown>, answer: Record<string, unknown>) {
  const routed = routeRouterFields({ query, variables });
  expect(validate(cellSchema(), parse(routed.request.query))).toEqual([]);
  routed.fill?.(answer, CELL);
  return { sent: routed.request, answer, fill: routed.fill };
}

describe("the cell router's own fields (Instance.cell)", () => {
  it('sends a request without them as it is, with nothing to fill', () => {
    const query = 'query($u: ID!) { instance(uuid: $u) { uuid displayName } }';
    const routed = routeRouterFields({ query, variables: { u: 'x' } });
    expect(routed.request.query).toBe(query);
    expect(routed.fill).toBeNull();
  });

  it('takes cell out of a list request and puts the cell it asked into every row, under the aliases asked', () => {
    const { sent, answer } = route(
      `query($first: Int) { instances(first: $first) { edges { node { uuid here: cell { __typename id: uuid name } } } } }`,
      { first: 2 },
      { instances: { edges: [{ node: { uuid: 'a' } }, { node: { uuid: 'b' } }] } },
    );
    expect(sent.query).not.toMatch(/\bcell\b/);
    expect(sent.variables).toEqual({ first: 2 });
    expect(answer).toEqual({
      instances: {
        edges: [
          { node: { uuid: 'a', here: { __typename: 'Cell', id: CELL.uuid, name: 'cell1' } } },
          { node: { uuid: 'b', here: { __typename: 'Cell', id: CELL.uuid, name: 'cell1' } } },
        ],
      },
    });
  });

  it('leaves a null instance null and keeps __typename where cell was all a selection held', () => {
    const { sent, answer } = route(
      'query($u: ID!) { instance(uuid: $u) { cell { name } } }',
      { u: 'x' },
      { instance: null },
    );
    expect(sent.query).toMatch(/instance\(uuid: \$u\) \{\s*__typename\s*\}/);
    expect(answer).toEqual({ instance: null });
  });

  it('drops a fragment and a variable only cell used, and honours @include and @skip per request', () => {
    const query = `query($u: ID!, $withCell: Boolean!, $noName: Boolean!) {
      instance(uuid: $u) { uuid ...C }
    }
    fragment C on Instance { cell @include(if: $withCell) { ...N uuid } }
    fragment N on Cell { name @skip(if: $noName) }`;
    const shown = route(query, { u: 'x', withCell: true, noName: false }, { instance: { uuid: 'x' } });
    expect(shown.sent.query).not.toMatch(/fragment N|withCell|noName|\bcell\b/);
    expect(shown.sent.variables).toEqual({ u: 'x' });
    expect(shown.answer).toEqual({ instance: { uuid: 'x', cell: { name: 'cell1', uuid: CELL.uuid } } });
    const nameSkipped = route(query, { u: 'x', withCell: true, noName: true }, { instance: { uuid: 'x' } });
    expect(nameSkipped.answer).toEqual({ instance: { uuid: 'x', cell: { uuid: CELL.uuid } } });
    const excluded = route(query, { u: 'x', withCell: false, noName: false }, { instance: { uuid: 'x' } });
    expect(excluded.answer).toEqual({ instance: { uuid: 'x' } });
  });

  it('fills only the Instance entities of an _entities answer', () => {
    const { answer } = route(
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Instance { __typename uuid cell { name } }
      } }`,
      { representations: [] },
      { _entities: [{ __typename: 'Instance', uuid: 'a' }, null, { __typename: 'ComputeNode', id: '7' }] },
    );
    expect(answer._entities).toEqual([
      { __typename: 'Instance', uuid: 'a', cell: { name: 'cell1' } },
      null,
      { __typename: 'ComputeNode', id: '7' },
    ]);
  });

  it('sends a text it cannot parse as it is, for the cell to refuse (and never throws)', () => {
    const query = '{ instance(uuid: "x") { cell { name } ';
    const routed = routeRouterFields({ query, variables: {} });
    expect(routed.request.query).toBe(query);
    expect(routed.fill).toBeNull();
  });

  it('keeps another field that answers under the key cell', () => {
    const query = 'query { instances { edges { node { cell: uuid } } cells { cellName } } }';
    const routed = routeRouterFields({ query, variables: {} });
    expect(routed.request.query).toBe(query);
    expect(routed.fill).toBeNull();
  });
});

const SMALL = { id: '1', flavorid: '2', name: 'm1.small', vcpus: 1, memoryMb: 2048, isPublic: true, vcpuWeight: null };

/** The flavors a fill reads, by id; `down` makes the read fail. Records what was asked. */
function flavorReader(rows: Record<string, Record<string, unknown> | null>, down = false) {
  const asked: string[][] = [];
  const read = async (ids: string[]) => {
    asked.push(ids);
    if (down) return { rows: new Map(), failure: { message: 'global subgraph timed out', reason: 'TIMEOUT' as const } };
    return { rows: new Map(ids.map((id) => [id, rows[id] ?? null])), failure: null };
  };
  return { asked, read };
}

describe("the cell router's own fields (an instance's flavor)", () => {
  const LIST = `query($first: Int) { instances(first: $first) { edges { node { uuid flavor { id size: name vcpus } } } } }`;

  it('asks the cell for the flavor id alone, under its own key, and fills every row from one read', async () => {
    const routed = routeRouterFields({ query: LIST, variables: { first: 3 } });
    expect(validate(cellSchema(), parse(routed.request.query))).toEqual([]);
    expect(routed.request.query).toMatch(/flavor \{\s*id\s*__cr_fid: id\s*\}/);
    expect(routed.fill).toBeNull(); // nothing of the cell's own to put back
    const data = {
      instances: {
        edges: [
          { node: { uuid: 'a', flavor: { id: '1', __cr_fid: '1' } } },
          { node: { uuid: 'b', flavor: { id: '1', __cr_fid: '1' } } },
          { node: { uuid: 'c', flavor: null } },
        ],
      },
    };
    const { asked, read } = flavorReader({ '1': SMALL });
    expect(await fillRouterFlavors(LIST, { first: 3 }, data, read)).toEqual([]);
    expect(asked).toEqual([['1', '1']]);
    expect(data.instances.edges.map((e) => e.node.flavor)).toEqual([
      { id: '1', size: 'm1.small', vcpus: 1 },
      { id: '1', size: 'm1.small', vcpus: 1 },
      null,
    ]);
  });

  it('answers null for a flavor the caller may not see, as the global subgraph does', async () => {
    const data = { instances: { edges: [{ node: { uuid: 'a', flavor: { id: '2', __cr_fid: '2' } } }] } };
    expect(await fillRouterFlavors(LIST, {}, data, flavorReader({}).read)).toEqual([]);
    expect(data.instances.edges[0].node.flavor).toBeNull();
  });

  it('answers null with GLOBAL_UNAVAILABLE at each path when the flavors could not be read', async () => {
    const data = {
      instances: {
        edges: [
          { node: { uuid: 'a', flavor: { id: '2', __cr_fid: '2' } } },
          { node: { uuid: 'b', flavor: { id: '2', __cr_fid: '2' } } },
        ],
      },
    };
    const errors = await fillRouterFlavors(LIST, {}, data, flavorReader({}, true).read);
    expect(data.instances.edges.map((e) => e.node.flavor)).toEqual([null, null]);
    expect(errors).toEqual(
      [0, 1].map((i) => ({
        message: 'global subgraph timed out',
        path: ['instances', 'edges', i, 'node', 'flavor'],
        extensions: { code: 'GLOBAL_UNAVAILABLE' },
      })),
    );
  });

  it('keeps the key the planner needs for a later global fetch, and leaves a flavor of id alone untouched', async () => {
    // As the planner asks when the client also wants a field that can change (extraSpecs, from the global subgraph by id).
    const query = 'query($u: ID!) { instance(uuid: $u) { flavor { __typename id name } } }';
    const routed = routeRouterFields({ query, variables: { u: 'x' } });
    expect(routed.request.query).toMatch(/flavor \{\s*__typename\s*id\s*__cr_fid: id\s*\}/);
    const plain = 'query($u: ID!) { instance(uuid: $u) { flavor { id } } }';
    expect(routeRouterFields({ query: plain, variables: { u: 'x' } }).request.query).toBe(plain);
    const { asked, read } = flavorReader({ '1': SMALL });
    const data = { instance: { flavor: { id: '1' } } };
    expect(await fillRouterFlavors(plain, { u: 'x' }, data, read)).toEqual([]);
    expect(asked).toEqual([]);
    expect(data).toEqual({ instance: { flavor: { id: '1' } } });
  });

  it('honours @include and @skip, fragments and _entities, and reads nothing when no field is asked', async () => {
    const query = `query($representations: [_Any!]!, $withName: Boolean!) { _entities(representations: $representations) {
      ... on Instance { uuid flavor { ...F } }
    } }
    fragment F on Flavor { name @include(if: $withName) vcpus @skip(if: true) }`;
    const routed = routeRouterFields({ query, variables: { representations: [], withName: true } });
    expect(validate(cellSchema(), parse(routed.request.query))).toEqual([]);
    expect(routed.request.variables).toEqual({ representations: [] });
    const answer = () => ({
      _entities: [{ uuid: 'a', flavor: { __typename: 'Flavor', __cr_fid: '1' } }, null, { __typename: 'Host' }],
    });
    const shown = answer();
    const { asked, read } = flavorReader({ '1': SMALL });
    await fillRouterFlavors(query, { withName: true }, shown, read);
    expect(shown._entities[0]).toEqual({ uuid: 'a', flavor: { __typename: 'Flavor', name: 'm1.small' } });
    const hidden = answer();
    await fillRouterFlavors(query, { withName: false }, hidden, read);
    expect(hidden._entities[0]).toEqual({ uuid: 'a', flavor: { __typename: 'Flavor' } });
    expect(asked).toEqual([['1']]);
  });
});
