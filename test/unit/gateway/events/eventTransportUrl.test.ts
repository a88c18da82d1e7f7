import { eventTransportUrl } from '../../../../gateway/events/cellEventStream';

const gateway = { user: 'events', password: 's3cr:t/@' };

describe("the URL the gateway reads a cell's events on", () => {
  it("keeps the mapping's broker and vhost and puts in the gateway's own credentials and a heartbeat", () => {
    const url = eventTransportUrl('amqp://nova:***@10.0.0.5:5672/cells_cell1', gateway)!;
    const parsed = new URL(url);
    expect(parsed.host).toBe('10.0.0.5:5672');
    expect(parsed.pathname).toBe('/cells_cell1');
    expect(decodeURIComponent(parsed.username)).toBe('events');
    expect(decodeURIComponent(parsed.password)).toBe('s3cr:t/@');
    expect(parsed.searchParams.get('heartbeat')).toBe('10');
    expect(new URL(eventTransportUrl('amqps://h/v?heartbeat=30', gateway)!).searchParams.get('heartbeat')).toBe('30');
  });

  it('has none for a cell without a broker', () => {
    expect(eventTransportUrl('none:///', gateway)).toBeNull();
    expect(eventTransportUrl(null, gateway)).toBeNull();
    expect(eventTransportUrl('not a url', gateway)).toBeNull();
  });
});
