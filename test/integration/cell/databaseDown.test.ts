import { randomUUID } from 'node:crypto';
import { startCellSubgraph, type RunningCellSubgraph } from '../../../subgraphs/cell/server';
import { admin, gql, TEST_SECRET } from './support/graphqlClient';

describe('a cell whose database is down', () => {
  let subgraph: RunningCellSubgraph;

  beforeAll(async () => {
    // Port 1 on localhost: nothing listens, connections are refused at once.
    subgraph = await startCellSubgraph({
      cellUuid: randomUUID(),
      cellName: 'down',
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/cells_t_nothing',
      transportUrl: 'none:///',
      port: 0,
      internalSecret: TEST_SECRET,
    });
  });
  afterAll(() => subgraph.close());

  it('still starts and answers its health check', async () => {
    const health = await fetch(subgraph.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
  });

  it('answers a list with a CELL_UNAVAILABLE GraphQL error', async () => {
    const answer = await gql(subgraph.url, `{ instances { edges { cursor } } }`, {}, admin());
    expect(answer.status).toBe(200);
    expect(answer.errors?.[0].extensions?.code).toBe('CELL_UNAVAILABLE');
  });
});
