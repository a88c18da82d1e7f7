import http from 'node:http';
import https from 'node:https';
import { injectTraceContext } from '../infrastructure/tracing';

/** An HTTP answer read in full. */
export interface PostAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * How long a kept-alive socket may sit idle in the pool before the gateway closes it: well
 * inside the 5 s after which a Node.js server (every subgraph here) closes it. Without a
 * timeout of its own, Node's agent keeps an idle socket forever (it reads the server's
 * `Keep-Alive: timeout=5` hint only to shorten a timeout it already has), so a request sent
 * as the server closed the socket met a reset. A query is resent then, but an action is not:
 * in a fault test a healthy cell answered `stopInstance` with `UNAVAILABLE: connection reset`.
 * A timeout also applies while a request runs; unheeded there, it ends nothing.
 */
export const KEEP_ALIVE_IDLE_MS = 2000;

/** A keep-alive socket pool for one subgraph URL: at most `maxSockets` held by a peer that never answers. */
export function keepAliveAgent(url: string, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets, timeout: KEEP_ALIVE_IDLE_MS };
  return url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options);
}

/**
 * POSTs a JSON `payload` to `url` over `agent` with a deadline covering the wait for a
 * socket and the whole answer (the gateway's calls to cells and to the global subgraph).
 * A socket error carries `reusedSocket`, so a caller can tell a kept-alive socket the
 * peer closed from a peer that is down. The active trace goes along as `traceparent`.
 */
export function postJson(
  url: string,
  agent: http.Agent,
  payload: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        agent,
        signal: AbortSignal.timeout(timeoutMs),
        headers: injectTraceContext({
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(payload);
  });
}
