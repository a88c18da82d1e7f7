import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { devSignInRoutes } from '../../../gateway/devSignIn';
import { DEFAULTS } from '../../../infrastructure/configSchema';
import { TEST_JWT_SECRET, startTopology, type Topology } from '../../helpers/topology';

const FIRST = '{ instances(first: 1) { complete } }';

async function devToken(base: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${base}/auth/dev-token`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('the gateway serves the dashboard, GraphiQL and, with the development secret only, demo sign-in', () => {
  let topo: Topology;
  let base: string;

  beforeAll(async () => {
    // The default deployment's gateway: it verifies tokens with the published development secret.
    topo = await startTopology({ cells: ['cell1'], gateway: { jwt: { secret: DEFAULTS.jwtSecret } } });
    base = topo.gateway.url.replace(/\/graphql$/, '');
  });
  afterAll(() => topo.stop());

  it('serves the built dashboard at / and GraphiQL at /graphiql, from local files only', async () => {
    for (const path of ['/', '/instances', '/graphiql']) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
      const html = await res.text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        expect(asset).toMatch(/^\/assets\//); // nothing from a CDN
        const file = await fetch(`${base}${asset}`);
        expect([asset, file.status]).toEqual([asset, 200]);
        expect(file.headers.get('cache-control')).toContain('immutable');
      }
    }
  });

  it('still answers GraphQL at / and /graphql', async () => {
    const token = (await devToken(base, { project: 'demo' })).body.token;
    for (const path of ['/', '/graphql']) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: FIRST }),
      });
      expect([path, res.status, ((await res.json()) as any).data]).toEqual([
        path,
        200,
        { instances: { complete: true } },
      ]);
    }
  });

  it('signs a demo project token or an admin token the gateway accepts, as npm run token does', async () => {
    expect(await (await fetch(`${base}/auth/dev-token`)).json()).toEqual({
      enabled: true,
      projects: ['demo', 'alt_demo', 'admin'],
    });
    const demo = await devToken(base, { project: 'demo' });
    expect(demo.status).toBe(200);
    const claims = JSON.parse(Buffer.from(demo.body.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'demo-user', project_id: 'demo', roles: ['member'] });
    const admin = await devToken(base, { project: 'admin', admin: true });
    expect(JSON.parse(Buffer.from(admin.body.token.split('.')[1], 'base64url').toString()).roles).toEqual([
      'admin',
      'member',
    ]);
    const all = await topo.query(
      '{ instances(first: 1, filter: { allProjects: true }) { complete } }',
      {},
      admin.body.token,
    );
    expect(all.body).toEqual({ data: { instances: { complete: true } } });
  });

  it('refuses a bad project, a non-JSON body and a form post, with the field and the value', async () => {
    expect(await devToken(base, { project: ' demo' })).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: expect.stringMatching(/^project: expected .*, got " demo"$/),
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      },
    });
    expect((await devToken(base, { project: 'demo', admin: 'yes' })).body.errors[0].message).toBe(
      'admin: expected a boolean, got "yes"',
    );
    expect((await devToken(base, { project: 'demo' }, 'application/x-www-form-urlencoded')).status).toBe(415);
  });
});

describe('demo sign-in is off unless the gateway uses the development secret and no JWKS', () => {
  let server: Server;
  const serve = async (jwt: Parameters<typeof devSignInRoutes>[0]) => {
    const route = devSignInRoutes(jwt)['/auth/dev-token'];
    server = createServer(
      (req, res) =>
        void route(req).then((answer) => {
          res.statusCode = answer.status;
          res.end(answer.body);
        }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    ['another secret', { secret: TEST_JWT_SECRET }],
    ['a JWKS', { jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer: 'i', audience: 'a' }],
  ])('with %s it answers 404 and signs nothing', async (_name, jwt) => {
    const base = await serve(jwt);
    const probe = await fetch(`${base}/auth/dev-token`);
    expect(probe.status).toBe(404);
    const sign = await devToken(base, { project: 'admin', admin: true });
    expect(sign.status).toBe(404);
    expect(sign.body.token).toBeUndefined();
    expect(sign.body.errors[0].message).toMatch(/^demo sign-in is off/);
  });
});
