import { GlobalTransport, GlobalUnavailableError } from '../../../gateway/globalTransport';
import { startBlackHole, type TestServer } from '../../../bench/proxies';

// A global subgraph that accepts and never answers: reads give up at the query deadline,
// mutations (createServer may spend the scheduler's whole budget) at their own.
describe('the gateway transport to the global subgraph', () => {
  let hole: TestServer;
  beforeAll(async () => {
    hole = await startBlackHole();
  });
  afterAll(() => hole.close());

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (err: unknown) => err as GlobalUnavailableError,
    );

  it('gives a query the query deadline and a mutation the mutation deadline', async () => {
    const transport = new GlobalTransport(hole.url, 150, 600);
    try {
      const fetch = (query: string) =>
        transport.fetcher(hole.url, { method: 'POST', body: JSON.stringify({ query }), headers: {} } as never);
      const [read, write] = await Promise.all([
        failure(fetch('{ flavors { id } }')),
        failure(fetch('mutation { createServer(input: {}) { reservationId } }')),
      ]);
      expect(read).toBeInstanceOf(GlobalUnavailableError);
      expect(read!.message).toBe('global subgraph did not answer within 150 ms');
      expect(write!.message).toBe('global subgraph did not answer within 600 ms');
      expect(write!.reason).toBe('TIMEOUT');
    } finally {
      transport.close();
    }
  });

  it('uses the query deadline for mutations when no mutation deadline is given', async () => {
    const transport = new GlobalTransport(hole.url, 120);
    try {
      const err = await failure(transport.post(JSON.stringify({ query: 'mutation { x }' }), {}, false));
      expect(err!.message).toBe('global subgraph did not answer within 120 ms');
    } finally {
      transport.close();
    }
  });
});
