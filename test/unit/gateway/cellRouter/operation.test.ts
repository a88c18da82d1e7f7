import { buildOperation, parseOperation } from '../../../../gateway/cellRouter/operation';
import { mergedFields, shape } from '../../../../gateway/cellRouter/shape';

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

  it('marks mutations as not safe to resend', () => {
    const planned = parseOperation('mutation($u: ID!) { stopInstance(uuid: $u) { action } }', { u: 'x' });
    expect(buildOperation(planned, [planned.rootFields[0].node]).idempotent).toBe(false);
  });
});

describe('shape', () => {
  it('projects a made-up value onto the client selection, aliases and __typename included', () => {
    const planned = parseOperation('{ instances { cells { id: cellUuid status __typename extra: message } } }');
    const cells = mergedFields(planned.rootFields[0].node.selectionSet, planned.fragments).find((f) => f.name === 'cells')!;
    expect(shape({ cellUuid: 'c1', status: 'OK', message: undefined, secret: 'x' }, cells.selectionSet, planned.fragments, 'CellResult')).toEqual({
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
    expect(shape({ edges: [{ cursor: 'c', node: { uuid: 'u', host: 'h' } }] }, planned.rootFields[0].node.selectionSet, planned.fragments, 'InstanceConnection')).toEqual({
      edges: [{ cursor: 'c', node: { uuid: 'u' } }],
    });
  });
});
