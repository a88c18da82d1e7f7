import { parse, validate } from 'graphql';
import { cellSchema } from '../../../../gateway/cellRouter/operation';
import { routeRouterFields } from '../../../../gateway/cellRouter/routerFields';

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
