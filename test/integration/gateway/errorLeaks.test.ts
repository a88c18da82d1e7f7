import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { startGateway, type RunningGateway } from '../../../gateway/server';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { errorTexts, leaksIn } from '../../helpers/leaks';
import { testServices } from '../../helpers/services';
import { startTopology, TEST_JWT_SECRET, TEST_SECRET, type Topology } from '../../helpers/topology';

// What a broken proxy in front of the global subgraph says: hosts, URLs, driver text.
const RAW_502 =
  '<html>502 bad gateway: upstream postgresql://postgres@10.0.0.7:5432/cells_api ECONNREFUSED 127.0.0.1:4001</html>';

/** An HTTP proxy in front of the global subgraph that forwards, or answers 502 with raw text. */
async function startGlobalProxy(target: string) {
  const state = { failing: false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (state.failing) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end(RAW_502);
        return;
      }
      try {
        const upstream = await fetch(target, {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    state,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function pgAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: testServices.pgUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

const LIST =
  '{ instances(first: 20, filter: { allProjects: true }) { edges { node { uuid flavor { name } cell { name } } } complete cells { status message } } }';

describe('what callers see when parts of the deployment fail', () => {
  let topo: Topology;
  let proxy: Awaited<ReturnType<typeof startGlobalProxy>>;
  let gateway: RunningGateway;
  let seeded: SeededInstance[];
  let admin: string;

  // A second gateway reaches the global subgraph through the proxy; the topology's own stays direct.
  const ask = async (query: string, token = admin) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    topo = await startTopology({ queues: true });
    seeded = await seedInstances(topo.cells[0], topo.api, { count: 3, projects: ['demo'] });
    proxy = await startGlobalProxy(topo.global.url);
    gateway = await startGateway({
      port: 0,
      host: '127.0.0.1',
      globalUrl: proxy.url,
      internalSecret: TEST_SECRET,
      jwt: { secret: TEST_JWT_SECRET },
      cellTimeoutMs: 3000,
      cellRefreshMs: 60000,
      mappingCacheTtlMs: 60000,
      mappingCacheMax: 1000,
      maxFirst: 1000,
      maxDepth: 12,
      maxComplexity: 250000,
      maxBodyBytes: 1024 * 1024,
      logLevel: 'silent',
    });
    admin = await topo.token('admin', { admin: true });
  }, 60000);

  afterAll(async () => {
    await gateway?.close();
    await proxy?.close();
    await topo?.stop();
  });

  it("answers a 502 of the global subgraph as GLOBAL_UNAVAILABLE, without the proxy's URL, status text or body", async () => {
    proxy.state.failing = true;
    try {
      for (const query of [
        '{ flavors { name } }',
        'mutation { createServer(input: { name: "web", flavorId: "1", imageRef: "cirros" }) { reservationId } }',
        LIST,
      ]) {
        const answer = await ask(query);
        expect(answer.status).toBe(200);
        expect(leaksIn(answer.text)).toEqual([]);
        expect(answer.text).not.toContain('"response"');
        expect(JSON.parse(answer.text).errors).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ extensions: expect.objectContaining({ code: 'GLOBAL_UNAVAILABLE' }) }),
          ]),
        );
      }
    } finally {
      proxy.state.failing = false;
    }
  });

  it('answers with its data again once the global subgraph does', async () => {
    const answer = await ask('{ flavors { name } }');
    expect(JSON.parse(answer.text)).toEqual({ data: { flavors: [] } });
  });

  it('shows a closed cell database in rows and errors with fixed text only', async () => {
    const { name } = topo.cells[0].db;
    await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await pgAdmin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    try {
      const list = await topo.query(LIST, {}, admin);
      expect(list.status).toBe(200);
      expect(list.body.data.instances.cells.map((row: { status: string }) => row.status).sort()).toEqual([
        'OK',
        'UNAVAILABLE',
      ]);
      expect(leaksIn(errorTexts(list.body))).toEqual([]);
      const one = await topo.query(`{ instance(uuid: "${seeded[0].uuid}") { uuid status } }`, {}, admin);
      expect(leaksIn(errorTexts(one.body))).toEqual([]);
      expect(one.body.errors[0].extensions).toMatchObject({ code: 'CELL_UNAVAILABLE', cellUuid: topo.cells[0].uuid });
    } finally {
      await pgAdmin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    }
  });

  it('shows an unreachable broker as BROKER_UNAVAILABLE with fixed text only', async () => {
    const cell = topo.cells[0];
    await cell.stop();
    await cell.start({ transportUrl: 'amqp://guest:guest@127.0.0.1:1/nowhere' });
    try {
      const answer = await topo.query(`mutation { rebootInstance(uuid: "${seeded[1].uuid}") { action } }`, {}, admin);
      expect(answer.body.errors[0].extensions.code).toBe('BROKER_UNAVAILABLE');
      expect(leaksIn(JSON.stringify(answer.body))).toEqual([]);
    } finally {
      await cell.stop();
      await cell.start();
    }
  });

  it('answers an internal error with a fixed message and the request id the logs carry', async () => {
    // A table gone from under the global subgraph: Prisma's raw text names it and the database.
    const api = new Client({ connectionString: topo.apiDb.url });
    await api.connect();
    await api.query('ALTER TABLE key_pairs RENAME TO key_pairs_gone');
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query: '{ keyPairs { name } }' }),
      });
      const text = await response.text();
      expect(leaksIn(text)).toEqual([]);
      expect(JSON.parse(text).errors).toEqual([
        {
          message: 'internal error',
          path: ['keyPairs'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: response.headers.get('x-request-id') },
        },
      ]);
    } finally {
      await api.query('ALTER TABLE key_pairs_gone RENAME TO key_pairs');
      await api.end();
    }
  });
});
