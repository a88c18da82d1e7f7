import { identityHeaders, type Identity } from '../../../../domain/identity';

export const TEST_SECRET = 'test-internal-secret';

export interface GraphQLAnswer<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Posts one operation to a subgraph as `identity`, with the internal secret. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity,
  secret = TEST_SECRET,
): Promise<GraphQLAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...identityHeaders(identity, secret) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLAnswer<T>;
  return { ...body, status: response.status };
}

export function user(projectId: string, userId = `${projectId}-user`): Identity {
  return { userId, projectId, roles: ['member'], isAdmin: false };
}

export function admin(projectId = 'admin-project'): Identity {
  return { userId: 'admin-user', projectId, roles: ['admin'], isAdmin: true };
}
