import { endpointKey, sameEndpoint } from '../../../cellsAdmin/cells';

describe('whether two URLs reach the same database or vhost', () => {
  it('ignores credentials, query, default ports and the postgres/postgresql spelling', () => {
    expect(sameEndpoint('postgresql://a:x@db:5432/cell1', 'postgres://b@DB/cell1?sslmode=require')).toBe(true);
    expect(sameEndpoint('amqp://guest:guest@mq/v1', 'amqp://other@mq:5672/v1')).toBe(true);
  });

  it('tells apart other databases, hosts, ports and vhosts', () => {
    expect(sameEndpoint('postgresql://db/cell1', 'postgresql://db/cell2')).toBe(false);
    expect(sameEndpoint('postgresql://db/cell1', 'postgresql://db2/cell1')).toBe(false);
    expect(sameEndpoint('postgresql://db:5433/cell1', 'postgresql://db/cell1')).toBe(false);
    expect(sameEndpoint('amqp://mq/v1', 'amqp://mq/v2')).toBe(false);
  });

  it('reads an amqp URL without a vhost as the default vhost "/"', () => {
    expect(sameEndpoint('amqp://mq', 'amqp://mq/%2F')).toBe(true);
  });

  it('keeps a URL it cannot parse as it is', () => {
    expect(endpointKey('garbage')).toBe('garbage');
    expect(endpointKey('none:///')).toBe('none:///');
  });
});
