import {
  checkDatabaseUrl,
  checkGraphqlUrl,
  checkName,
  checkTransportUrl,
  NO_TRANSPORT,
} from '../../../cellsAdmin/errors';

describe('validating cell fields', () => {
  it('accepts the URLs a cell mapping holds', () => {
    expect(checkDatabaseUrl('db', 'postgresql://postgres@127.0.0.1:5432/cells_cell1')).toBe(
      'postgresql://postgres@127.0.0.1:5432/cells_cell1',
    );
    expect(checkTransportUrl('t', 'amqps://u:p@mq.example/cells')).toBe('amqps://u:p@mq.example/cells');
    expect(checkTransportUrl('t', NO_TRANSPORT)).toBe(NO_TRANSPORT);
    expect(checkGraphqlUrl('g', 'https://cell1.example/graphql')).toBe('https://cell1.example/graphql');
    expect(checkName('n', 'cell-1.a')).toBe('cell-1.a');
  });

  it.each([
    [checkDatabaseUrl, 'postgresql://host'],
    [checkDatabaseUrl, 7],
    [checkTransportUrl, 'none://'],
    [checkGraphqlUrl, 'http//missing-colon'],
    [checkName, 'x'.repeat(256)],
    [checkName, 'tab\there'],
  ])('refuses %p(%j) with a message naming the field and the value', (check, value) => {
    expect(() => (check as (field: string, value: unknown) => string)('theField', value)).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        field: 'theField',
        message: expect.stringContaining(`theField: expected`),
      }),
    );
  });
});
