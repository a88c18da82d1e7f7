import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** A cell that accepts connections and never answers (a black hole). */
export async function startBlackHole(): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  return listen(server, () => sockets.forEach((socket) => socket.destroy()));
}

/** Forwards every request to `target` after `delayMs`: a cell slower than the timeout. */
export async function startDelayProxy(target: string, delayMs: number): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const timer = setTimeout(async () => {
        try {
          const upstream = await fetch(target, { method: req.method, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        } catch {
          res.destroy();
        }
      }, delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  return listen(server, () => server.closeAllConnections());
}

/** Answers every request with a fixed GraphQL body: a cell serving another schema. */
export async function startFixedAnswer(body: unknown): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  return listen(server, () => server.closeAllConnections());
}

async function listen(server: net.Server, dropConnections: () => void): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => {
      dropConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
