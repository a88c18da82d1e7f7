import { encodeIdentity, InternalHeaders } from '../../../domain/identity';
import { ADMIN, SECRET, startGlobalHarness, type GlobalHarness } from './globalHarness';

describe('the forwarded-identity check', () => {
  let h: GlobalHarness;
  beforeAll(async () => {
    h = await startGlobalHarness('secret');
  });
  afterAll(() => h.close());

  const query = { query: 'mutation { createSecurityGroup(input: { name: "x" }) { id } }' };

  it('answers 401 without an identity header and sends no SQL', async () => {
    h.statements.length = 0;
    const answer = await h.post({}, query);
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0]).toMatchObject({
      message: `missing ${InternalHeaders.identity} header`,
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(h.statements).toEqual([]);
    expect(await h.prisma.securityGroup.count()).toBe(0);
  });

  it('answers 401 to the old split headers, even with the right secret', async () => {
    const old = {
      'x-cells-internal-secret': SECRET,
      'x-cells-user-id': 'u',
      'x-cells-project-id': 'p',
      'x-cells-roles': 'admin',
    };
    expect((await h.post(old, query)).status).toBe(401);
  });

  it('answers 401 to an identity MAC’d with a wrong secret, even one of the same length', async () => {
    h.statements.length = 0;
    const wrong = SECRET.replace(/.$/, 'X');
    const answer = await h.post({ [InternalHeaders.identity]: encodeIdentity(ADMIN, wrong) }, query);
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].message).toMatch(/MAC mismatch/);
    expect(h.statements).toEqual([]);
  });

  it('serves /healthz without an identity', async () => {
    const response = await fetch(h.server.url.replace('/graphql', '/healthz'));
    expect(response.status).toBe(200);
  });
});
