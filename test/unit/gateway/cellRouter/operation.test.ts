import { buildOperation, parseOperation } from '../../../../gateway/cellRouter/operation';
import { mergedFields, shape } from '../../../../gateway/cellRouter/connectionShape';

const PLANNED = `query Op($a: ID!, $b: ID!, $unused: Int) {
  x: instance(uuid: $a) { ...F }
  y: instance(uuid: $b) { uuid }
}
fragment F on Instance { uuid displayName ...G }
fragment G on Instance { status }
fragment H on Instance { host }`;

describe('the planned operation', () => {
  it('lists root fields under their aliases with variables substituted', () => {
    const planned = parseOperation(PLANNED, { a: 'u1', b: 'u2' });
    expect(planned.rootFields.map((f) => [f.responseKey, f.name, f.args])).toEqual([
      ['x', 'instance', { uuid: 'u1' }],
      ['y', 'instance', { uuid: 'u2' }],
    ]);
  });

  it('builds a request for one root field with only the fragments and variables it uses', () => {
    const planned = parseOperation(PLANNED, { a: 'u1', b: 'u2', unused: 3 });
    const request = buildOperation(planned, [planned.rootFields[0].node]);
    expect(request.query).toContain('fragment F on Instance');
    expect(request.query).toContain('fragment G on Instance');
    expect(request.query).not.toContain('fragment H');
    expect(request.query).not.toContain('$b');
    expect(request.query).not.toContain('$unused');
    expect(request.variables).toEqual({ a: 'u1' });
    expect(request.idempotent).toBe(true);
  });

  it('parses a planned text once, yet reads each request its own variables', () => {
    const first = parseOperation(PLANNED, { a: 'u1', b: 'u2' });
    const again = parseOperation(PLANNED, { a: 'u3', b: 'u4', unused: 1 });
    expect(again.operation).toBe(first.operation);
    expect(again.rootFields.map((f) => f.args)).toEqual([{ uuid: 'u3' }, { uuid: 'u4' }]);
    const one = buildOperation(first, [first.rootFields[1].node]);
    const other = buildOperation(again, [again.rootFields[1].node]);
    expect(other.query).toBe(one.query);
    expect([one.variables, other.variables]).toEqual([{ b: 'u2' }, { b: 'u4' }]);
    // Another root field of the same text is another request.
    expect(buildOperation(again, [again.rootFields[0].node]).variables).toEqual({ a: 'u3' });
  });

  it('reads arguments as graphql-js coerces them, whether written inline or sent as variables', () => {
    const literal = parseOperation(
      '{ instances(sort: { key: DISPLAY_NAME }, first: 5, filter: { uuids: "u1" }) { complete } }',
    );
    const viaVariables = parseOperation(
      'query($s: [InstanceSort!], $n: Int, $f: InstanceFilter) { instances(sort: $s, first: $n, filter: $f) { complete } }',
      {
        s: { key: 'DISPLAY_NAME' },
        n: 5,
        f: { uuids: 'u1' },
      },
    );
    // One object where a list is expected is a list of one; the input default (DESC) is filled in.
    const expected = { sort: [{ key: 'DISPLAY_NAME', direction: 'DESC' }], first: 5, filter: { uuids: ['u1'] } };
    expect(literal.rootFields[0].args).toEqual(expected);
    expect(viaVariables.rootFields[0].args).toEqual(expected);
    // The cells get the variables as sent and coerce them themselves.
    expect(viaVariables.variables).toEqual({ s: { key: 'DISPLAY_NAME' }, n: 5, f: { uuids: 'u1' } });
  });

  it('leaves out arguments that were not given, and keeps explicit nulls', () => {
    const planned = parseOperation('query($a: String) { instances(after: $a, first: null) { complete } }', {});
    expect(planned.rootFields[0].args).toEqual({ first: null });
  });

  it('passes entity representations through as sent', () => {
    const representations = [{ __typename: 'Instance', uuid: 'u1' }];
    const planned = parseOperation(
      'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Instance { uuid } } }',
      { representations },
    );
    expect(planned.rootFields[0].args).toEqual({ representations });
  });

  it('marks mutations as not safe to resend', () => {
    const planned = parseOperation('mutation($u: ID!) { stopInstance(uuid: $u) { action } }', { u: 'x' });
    expect(buildOperation(planned, [planned.rootFields[0].node]).idempotent).toBe(false);
  });
});

describe('shape', () => {
  it('projects a made-up value onto the client selection, aliases and __typename included', () => {
    const planned = parseOperation('{ instances { cells { id: cellUuid status __typename extra: message } } }');
    const cells = mergedFields(planned.rootFields[0].node.selectionSet, planned.fragments).find(
      (f) => f.name === 'cells',
    )!;
    expect(
      shape(
        { cellUuid: 'c1', status: 'OK', message: undefined, secret: 'x' },
        cells.selectionSet,
        planned.fragments,
        'CellResult',
      ),
    ).toEqual({
      id: 'c1',
      status: 'OK',
      __typename: 'CellResult',
      extra: null,
    });
  });

  it('merges fields that share a response key', () => {
    const planned = parseOperation('{ instances { edges { cursor } edges { node { uuid } } } }');
    const fields = mergedFields(planned.rootFields[0].node.selectionSet, planned.fragments);
    expect(fields).toHaveLength(1);
    expect(
      shape(
        { edges: [{ cursor: 'c', node: { uuid: 'u', host: 'h' } }] },
        planned.rootFields[0].node.selectionSet,
        planned.fragments,
        'InstanceConnection',
      ),
    ).toEqual({
      edges: [{ cursor: 'c', node: { uuid: 'u' } }],
    });
  });
});
