import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { testServices } from '../../../helpers/services';

/** Which way bytes stop flowing through the proxy. */
export type Direction = 'toBroker' | 'toClient';

/**
 * A TCP proxy in front of the test broker that a test can hold: `hold('toBroker')`
 * keeps what the client sends (a publish never reaches the broker), `hold('toClient')`
 * keeps what the broker answers (a confirm never comes back); `release()` lets it flow
 * again. `stop()` closes the port (connections are refused) and `start()` opens the same
 * port again. A client that goes away takes its held bytes with it, as a process that
 * dies does.
 */
export interface AmqpProxy {
  port: number;
  /** The proxy's URL for `vhost`. */
  url(vhost: string): string;
  hold(direction: Direction): void;
  release(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startAmqpProxy(): Promise<AmqpProxy> {
  const target = new URL(testServices.amqpUrl);
  const held = new Set<Direction>();
  const pipes = new Set<{ flush(): void; destroy(): void }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5672), target.hostname);
    const waiting: Record<Direction, Buffer[]> = { toBroker: [], toClient: [] };
    const forward = (direction: Direction, to: net.Socket) => (chunk: Buffer) => {
      if (held.has(direction)) waiting[direction].push(chunk);
      else to.write(chunk);
    };
    client.on('data', forward('toBroker', upstream));
    upstream.on('data', forward('toClient', client));
    const pipe = {
      flush() {
        for (const [direction, to] of [
          ['toBroker', upstream],
          ['toClient', client],
        ] as const) {
          if (held.has(direction)) continue;
          for (const chunk of waiting[direction].splice(0)) to.write(chunk);
        }
      },
      destroy() {
        client.destroy();
        upstream.destroy();
      },
    };
    pipes.add(pipe);
    const end = () => {
      pipes.delete(pipe);
      waiting.toBroker.length = 0;
      waiting.toClient.length = 0;
      pipe.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    for (const pipe of [...pipes]) pipe.destroy();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    url: (vhost) => `amqp://${target.username}:${target.password}@127.0.0.1:${port}/${encodeURIComponent(vhost)}`,
    hold: (direction) => void held.add(direction),
    release: () => {
      held.clear();
      for (const pipe of pipes) pipe.flush();
    },
    stop,
    start: () => listen(port),
    close: stop,
  };
}
