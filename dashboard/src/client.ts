import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';

/**
 * The dashboard's GraphQL client: queries and mutations over HTTP POST to /graphql,
 * subscriptions over graphql-ws on the same path, both with the signed-in token.
 */
export function createCellsClient(token: string): { client: Client; close: () => void } {
  const authorization = `Bearer ${token}`;
  const ws = createWsClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: Infinity,
  });
  const client = new Client({
    url: '/graphql',
    // POST only: the gateway's CSRF prevention refuses simple GETs.
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, close: () => void ws.dispose() };
}
