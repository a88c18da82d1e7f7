import { SignJWT } from 'jose';
import { signToken } from '../../../gateway/auth';
import { seedInstances } from '../../helpers/instances';
import { startTopology, TEST_JWT_SECRET, type Topology } from '../../helpers/topology';

const SIMPLE = '{ instances(first: 2) { edges { node { uuid } } } }';

async function post(topo: Topology, body: string, headers: Record<string, string>) {
  const res = await fetch(topo.gateway.url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('the gateway over HTTP', () => {
  let topo: Topology;
  let token: string;
  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1'], gateway: { maxComplexity: 5000, maxDepth: 8, maxBodyBytes: 4096 } });
    await seedInstances(topo.cells[0], topo.api, { count: 3 });
    token = await topo.token('demo');
  });
  afterAll(() => topo?.stop());

  describe('refuses callers without a valid token with 401 before planning', () => {
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ query: SIMPLE });
    const cellRequests = () => [...topo.gateway.router.requestsByCell.values()].reduce((a, b) => a + b, 0);

    it.each([
      ['no token', async () => ({}), /missing bearer token/],
      [
        'a token signed with another secret',
        async () => ({
          authorization: `Bearer ${await signToken({ projectId: 'demo', userId: 'u', roles: [], secret: 'some-other-secret-123' })}`,
        }),
        /signature verification failed/,
      ],
      [
        'an expired token',
        async () => ({
          authorization: `Bearer ${await new SignJWT({ project_id: 'demo', roles: [] })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('u')
            .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
            .sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
        }),
        /"exp" claim timestamp check failed/,
      ],
      [
        'a token without a project',
        async () => ({
          authorization: `Bearer ${await new SignJWT({ roles: [] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setExpirationTime('1h').sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
        }),
        /project_id missing/,
      ],
      [
        'a token with alg none',
        async () => ({
          authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u","project_id":"demo","exp":9999999999}').toString('base64url')}.`,
        }),
        /invalid token/,
      ],
    ])('%s', async (_name, headers, message) => {
      const before = cellRequests();
      const res = await post(topo, body, { ...json, ...(await headers()) });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text).errors[0]).toMatchObject({
        message: expect.stringMatching(message),
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(cellRequests()).toBe(before);
    });
  });

  it('keeps introspection open to authenticated callers and hides the internal build entry', async () => {
    const res = await topo.query('{ __schema { mutationType { fields { name } } } }', {}, token);
    const names = res.body.data!.__schema.mutationType.fields.map((f: any) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['rebootInstance', 'stopInstance', 'startInstance', 'deleteInstance']),
    );
    expect(names).not.toContain('buildInstance');
  });

  it('refuses a query nested deeper than the limit', async () => {
    const res = await topo.query(
      '{ cells { hosts { cell { hosts { cell { hosts { cell { hosts { cell { hosts { host } } } } } } } } } } }',
      {},
      token,
    );
    expect(res.body.errors[0].message).toMatch(/exceeds maximum operation depth of 8/);
  });

  it('refuses a query whose estimated cost passes the limit, counting first', async () => {
    const ok = await topo.query('{ instances(first: 100) { edges { node { uuid displayName } } } }', {}, token);
    expect(ok.body.errors).toBeUndefined();
    const res = await topo.query(
      'query($n: Int) { instances(first: $n) { edges { node { uuid displayName status host metadata { key value } } } } }',
      { n: 1000 },
      token,
    );
    expect(res.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/query is too complex: \d+ exceeds the limit of 5000/),
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('refuses a request body over the size limit with 413', async () => {
    const res = await post(topo, JSON.stringify({ query: `{ __typename }#${'x'.repeat(5000)}` }), {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(413);
  });

  it('blocks a simple cross-site request (CSRF prevention)', async () => {
    const res = await fetch(`${topo.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/);
  });

  it('echoes the caller request id', async () => {
    const res = await post(topo, JSON.stringify({ query: SIMPLE }), {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-request-id': 'req-123',
    });
    expect(res.headers.get('x-request-id')).toBe('req-123');
  });

  it('serves /healthz, and to an operator /readyz with every cell and Prometheus /metrics', async () => {
    const base = topo.gateway.url.replace(/\/graphql$/, '');
    const operator = { authorization: `Bearer ${await topo.token('admin', { admin: true })}` };
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`, { headers: operator });
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { cells: unknown[] }).cells).toEqual([
      expect.objectContaining({
        name: 'cell1',
        disabled: false,
        lastStatus: expect.objectContaining({ status: 'OK' }),
      }),
    ]);
    const metrics = await (await fetch(`${base}/metrics`, { headers: operator })).text();
    expect(metrics).toMatch(/cells_cell_requests_total\{cell="cell1"\} \d+/);
    expect(metrics).toMatch(/cells_cell_request_duration_seconds_bucket/);
    expect(metrics).toMatch(/cells_mapping_cache_misses_total \d+/);
  });

  it('answers /readyz with 503 while the global subgraph is down', async () => {
    const base = topo.gateway.url.replace(/\/graphql$/, '');
    await topo.global.close();
    const ready = await fetch(`${base}/readyz`, {
      headers: { authorization: `Bearer ${await topo.token('admin', { admin: true })}` },
    });
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).not.toMatch(/127\.0\.0\.1|http:/);
  });
});
