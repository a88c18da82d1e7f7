import { signToken } from '../../../gateway/auth';
import { seedInstances } from '../../helpers/instances';
import { startTopology, TEST_JWT_SECRET, type Topology } from '../../helpers/topology';

const withRoles = (roles: string[]) =>
  signToken({ projectId: 'ops', userId: 'ops-user', roles, secret: TEST_JWT_SECRET });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

describe('the operational endpoints', () => {
  let topo: Topology;
  let base: string;
  let opsBase: string;
  let operator: string;
  let member: string;
  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1'], gateway: { ops: { port: 0, host: '127.0.0.1' } } });
    await seedInstances(topo.cells[0], topo.api, { count: 2 });
    base = topo.gateway.url.replace(/\/graphql$/, '');
    opsBase = topo.gateway.ops!.url;
    operator = await withRoles(['operator']);
    member = await withRoles(['member']);
    // One list so every cell has a last status to report.
    await topo.query('{ instances(first: 1) { edges { node { uuid } } } }', {}, await topo.token('demo'));
  });
  afterAll(() => topo?.stop());

  describe('on the public port', () => {
    it('keeps /healthz open', async () => {
      expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    });

    it('answers /readyz without a token with the status and nothing else', async () => {
      expect(await get(`${base}/readyz`)).toEqual({
        status: 200,
        text: '{"status":"ready"}',
        type: 'application/json',
      });
    });

    it('answers /readyz with every cell to an operator and to an admin', async () => {
      for (const token of [operator, await withRoles(['admin'])]) {
        const ready = await get(`${base}/readyz`, bearer(token));
        expect(ready.status).toBe(200);
        expect(JSON.parse(ready.text)).toMatchObject({
          status: 'ready',
          cells: [expect.objectContaining({ name: 'cell1', lastStatus: expect.objectContaining({ status: 'OK' }) })],
        });
      }
    });

    it('refuses /metrics without a token (401) and to a member (403)', async () => {
      const anonymous = await get(`${base}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(JSON.parse(anonymous.text).errors[0]).toMatchObject({
        message: expect.stringMatching(/operator or admin role/),
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(anonymous.text).not.toMatch(/cells_cell_requests_total|cell1/);
      const tenant = await get(`${base}/metrics`, bearer(member));
      expect(tenant.status).toBe(403);
      expect(JSON.parse(tenant.text).errors[0].extensions.code).toBe('FORBIDDEN');
      expect(tenant.text).not.toMatch(/cell1/);
    });

    it('refuses the details of /readyz to a member and to a bad token', async () => {
      const tenant = await get(`${base}/readyz`, bearer(member));
      expect(tenant.status).toBe(403);
      expect(tenant.text).not.toMatch(/cell1/);
      const forged = await get(
        `${base}/readyz`,
        bearer(
          await signToken({ projectId: 'ops', userId: 'u', roles: ['operator'], secret: 'not-the-gateway-secret' }),
        ),
      );
      expect(forged.status).toBe(401);
      expect(JSON.parse(forged.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('serves /metrics to an operator', async () => {
      const metrics = await get(`${base}/metrics`, bearer(operator));
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/cells_cell_requests_total\{cell="cell1"\} \d+/);
    });

    it('does not make an operator an admin', async () => {
      const res = await topo.query('{ hosts { host } }', {}, operator);
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });
  });

  describe('on the operations port (CELLS_OPS_PORT)', () => {
    it('serves /healthz, the detailed /readyz and /metrics without a token', async () => {
      expect((await get(`${opsBase}/healthz`)).status).toBe(200);
      const ready = await get(`${opsBase}/readyz`);
      expect(JSON.parse(ready.text)).toMatchObject({
        status: 'ready',
        cells: [expect.objectContaining({ name: 'cell1' })],
      });
      const metrics = await get(`${opsBase}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/cells_cell_requests_total\{cell="cell1"\} \d+/);
    });

    it('serves nothing else', async () => {
      expect((await get(`${opsBase}/graphql`)).status).toBe(404);
      expect((await get(`${opsBase}/`)).status).toBe(404);
    });
  });

  describe('while the global subgraph is down', () => {
    it('answers the bare /readyz 503 {"status":"unready"} and /healthz still 200', async () => {
      await topo.global.close();
      expect(await get(`${base}/readyz`)).toEqual({
        status: 503,
        text: '{"status":"unready"}',
        type: 'application/json',
      });
      expect((await get(`${base}/healthz`)).status).toBe(200);
      expect((await get(`${opsBase}/readyz`)).status).toBe(503);
    });
  });
});
