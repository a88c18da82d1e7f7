import { createApiClient, type ApiClient } from '../../../prisma/clients';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { identityHeaders, type Identity } from '../../../domain/identity';
import { startGlobalSubgraph, type RunningGlobalSubgraph } from '../../../subgraphs/global/server';

export const SECRET = 'global-test-secret';

/** A caller as the gateway would forward it. */
export function user(projectId: string, userId = `${projectId}-user`): Identity {
  return { userId, projectId, roles: ['member'], isAdmin: false };
}

export const ADMIN: Identity = { userId: 'admin', projectId: 'admin-project', roles: ['admin'], isAdmin: true };

export interface GraphQLAnswer<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string } }[];
}

export interface GlobalHarness {
  db: TestDatabase;
  server: RunningGlobalSubgraph;
  /** A client of its own for seeding and checking rows, not counted. */
  prisma: ApiClient;
  /** SQL statements the subgraph sent since the last reset. */
  statements: string[];
  gql<T = Record<string, any>>(
    identity: Identity,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLAnswer<T>>;
  post(headers: Record<string, string>, body: unknown): Promise<{ status: number; body: Record<string, any> }>;
  close(): Promise<void>;
}

/** A global subgraph on port 0 over a throw-away API database. */
export async function startGlobalHarness(label: string): Promise<GlobalHarness> {
  const db = await createTestDatabase('api', label);
  const statements: string[] = [];
  const server = await startGlobalSubgraph({
    apiDatabaseUrl: db.url,
    port: 0,
    internalSecret: SECRET,
    onQuery: (sql) => statements.push(sql),
  });
  const prisma = createApiClient(db.url);
  const post = async (headers: Record<string, string>, body: unknown) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return {
    db,
    server,
    prisma,
    statements,
    post,
    async gql(identity, query, variables) {
      const answer = await post(identityHeaders(identity, SECRET), { query, variables });
      return { status: answer.status, ...answer.body };
    },
    async close() {
      await server.close();
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

/** The codes of an answer's errors, for compact assertions. */
export function codes(answer: GraphQLAnswer): (string | undefined)[] {
  return (answer.errors ?? []).map((e) => e.extensions?.code);
}
