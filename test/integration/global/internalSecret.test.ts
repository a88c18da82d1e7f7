import { InternalHeaders } from '../../../subgraphs/shared/identity';
import { SECRET, startGlobalHarness, type GlobalHarness } from './globalHarness';

describe('the internal-secret check', () => {
  let h: GlobalHarness;
  beforeAll(async () => {
    h = await startGlobalHarness('secret');
  });
  afterAll(() => h.close());

  const query = { query: 'mutation { createSecurityGroup(input: { name: "x" }) { id } }' };
  const identity = { [InternalHeaders.userId]: 'u', [InternalHeaders.projectId]: 'p', [InternalHeaders.roles]: 'admin' };

  it('answers 401 without the secret and sends no SQL', async () => {
    h.statements.length = 0;
    const answer = await h.post(identity, query);
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(h.statements).toEqual([]);
    expect(await h.prisma.securityGroup.count()).toBe(0);
  });

  it('answers 401 with a wrong secret, even one of the same length', async () => {
    h.statements.length = 0;
    const wrong = SECRET.replace(/.$/, 'X');
    expect((await h.post({ ...identity, [InternalHeaders.secret]: wrong }, query)).status).toBe(401);
    expect(h.statements).toEqual([]);
  });

  it('answers 401 with the secret but no forwarded identity', async () => {
    expect((await h.post({ [InternalHeaders.secret]: SECRET }, query)).status).toBe(401);
  });

  it('serves /healthz without the secret', async () => {
    const response = await fetch(h.server.url.replace('/graphql', '/healthz'));
    expect(response.status).toBe(200);
  });
});
