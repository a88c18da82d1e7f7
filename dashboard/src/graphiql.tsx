import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { storedToken } from './token';

// GraphiQL over this gateway, with the token the dashboard's sign-in stored.
const token = storedToken();
const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
const fetcher = createGraphiQLFetcher({
  url: `${location.origin}/graphql`,
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  headers,
  wsConnectionParams: headers,
});

const DEFAULT_QUERY = `# Signed in as the dashboard's token${token ? '' : ' (none yet: sign in at /sign-in first)'}.
{
  instances(first: 5) {
    edges { node { uuid displayName status host } }
    complete
    cells { cellName status message elapsedMs }
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} />
  </StrictMode>,
);
