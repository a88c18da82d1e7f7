import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApp } from '../../../gateway/webApp';

// A raw request: fetch would normalise the `..` and `%2e%2e` this suite needs to send as they are.
function get(port: number, path: string, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the gateway web app (dashboard and GraphiQL files)', () => {
  let root: string;
  let outside: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'cells-webapp-'));
    root = join(outside, 'dist');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>dashboard</title>');
    await writeFile(join(root, 'graphiql.html'), '<!doctype html><title>graphiql</title>');
    await writeFile(join(root, 'assets', 'main-abc123.js'), 'console.log(1)');
    await writeFile(join(root, 'assets', 'main-abc123.css'), 'body{}');
    await writeFile(join(outside, 'secret.txt'), 'secret');
    const pages = webApp(root);
    server = createServer((req, res) => {
      const pathname = (req.url ?? '/').split('?')[0];
      void pages(req, res, pathname).then((served) => {
        if (!served) {
          res.statusCode = 418;
          res.end('fell through');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(outside, { recursive: true, force: true });
  });

  it('serves the dashboard at / and at its page routes, never cached', async () => {
    for (const path of ['/', '/sign-in', '/instances', '/instances/0b7c3c1e-8d1b-4c1b-9a55-3c7a1b0e9f00', '/cells']) {
      const res = await get(port, path);
      expect([path, res.status, res.body]).toEqual([path, 200, '<!doctype html><title>dashboard</title>']);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves GraphiQL at /graphiql', async () => {
    const res = await get(port, '/graphiql');
    expect(res.status).toBe(200);
    expect(res.body).toContain('graphiql');
  });

  it('serves hashed assets with their content type and a year-long immutable cache', async () => {
    const js = await get(port, '/assets/main-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(port, '/assets/main-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await get(port, '/assets/main-abc123.js', 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('answers 404 for a missing asset and for any path that leaves its folder', async () => {
    for (const path of [
      '/assets/missing.js',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%5c..%5csecret.txt',
      '/assets/%00.js',
      '/assets/%E0%A4%A.js',
    ]) {
      const res = await get(port, path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body).not.toContain('secret');
    }
  });

  it('leaves every other path to the caller (GraphQL, routes, 404)', async () => {
    for (const path of ['/graphql', '/healthz', '/metrics', '/instances/not-a-uuid', '/index.html/x']) {
      expect([path, (await get(port, path)).status]).toEqual([path, 418]);
    }
  });

  it('says how to build the pages when they were not built', async () => {
    const pages = webApp(join(outside, 'nowhere'));
    const bare = createServer((req, res) => void pages(req, res, '/'));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const res = await get((bare.address() as AddressInfo).port, '/');
    await new Promise((resolve) => bare.close(resolve));
    expect(res.status).toBe(503);
    expect(res.body).toContain('npm run build:web');
  });
});
