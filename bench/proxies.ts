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
          const upstream = await fetch(target, {
            method: req.method,
            headers: req.headers as Record<string, string>,
            body: Buffer.concat(chunks),
          });
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/json',
          });
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

/** A TCP proxy in front of a server that can be frozen like the server under SIGSTOP. */
export interface FreezableProxy extends TestServer {
  /** Connections stay open and new ones are accepted, but nothing is read or answered. */
  freeze(): void;
  /** Reads and answers again, what was sent meanwhile included (SIGCONT). */
  thaw(): void;
}

/** Forwards every connection to `target`'s host and port (the URL's path is kept in `url`). */
export async function startFreezableProxy(target: string): Promise<FreezableProxy> {
  const { hostname, port, pathname } = new URL(target);
  const sockets = new Set<net.Socket>();
  const waiting: (() => void)[] = [];
  let frozen = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (frozen) socket.pause();
  };
  const forward = (client: net.Socket) => {
    if (client.destroyed) return;
    const upstream = net.connect(Number(port), hostname);
    track(upstream);
    // Plain data handlers, not pipe(): pipe would resume a stream frozen by pause().
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (frozen) waiting.push(() => forward(client));
    else forward(client);
  });
  const running = await listen(server, () => sockets.forEach((socket) => socket.destroy()));
  return {
    url: running.url.replace(/\/graphql$/, pathname),
    close: running.close,
    freeze() {
      frozen = true;
      sockets.forEach((socket) => socket.pause());
    },
    thaw() {
      frozen = false;
      // Listeners first: a socket resumed without them would drop what it reads.
      waiting.splice(0).forEach((start) => start());
      sockets.forEach((socket) => socket.resume());
    },
  };
}
