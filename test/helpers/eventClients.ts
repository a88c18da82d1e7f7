import http from 'node:http';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

/** The fields every subscription in the tests asks for (the whole InstanceEvent). */
export const EVENT_FIELDS =
  'kind eventType cellUuid cellName instanceUuid projectId userId status vmState taskState powerState host action requestId message occurredAt';

export const INSTANCE_EVENTS = `subscription($filter: InstanceEventFilter) { instanceEvents(filter: $filter) { ${EVENT_FIELDS} } }`;

/** An event as a test receives it, with when it arrived (ms since the epoch). */
export interface ReceivedEvent {
  kind: string;
  eventType: string;
  cellUuid: string;
  cellName: string | null;
  instanceUuid: string | null;
  projectId: string | null;
  status: string | null;
  action: string | null;
  requestId: string | null;
  message: string | null;
  occurredAt: string;
  receivedAt: number;
  [field: string]: unknown;
}

/** What one test subscription has seen so far, and how it ended. */
export interface EventLog {
  events: ReceivedEvent[];
  errors: unknown[];
  /** Resolves once the subscription ended: completed, failed, or its socket closed. */
  ended: Promise<{ code?: number; reason?: string; errors?: unknown }>;
  /** Resolves with the first event (already seen or to come) that `match` accepts; rejects after `timeoutMs`. */
  waitFor(match: (event: ReceivedEvent) => boolean, timeoutMs?: number, what?: string): Promise<ReceivedEvent>;
  close(): Promise<void>;
}

function eventLog(): {
  log: Omit<EventLog, 'ended' | 'close'>;
  push(event: ReceivedEvent): void;
  fail(error: unknown): void;
} {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((wake) => wake());
  return {
    log: {
      events,
      errors,
      waitFor(match, timeoutMs = 20000, what = 'an event') {
        return new Promise((resolve, reject) => {
          const check = () => {
            const found = events.find(match);
            if (!found) return;
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(
              new Error(
                `no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(events.map((e) => [e.kind, e.eventType, e.cellName, e.instanceUuid]))}; errors: ${JSON.stringify(errors)}`,
              ),
            );
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
    },
    push(event) {
      events.push(event);
      notify();
    },
    fail(error) {
      errors.push(error);
      notify();
    },
  };
}

// One result of a subscription: its event, or its errors.
function received(push: (event: ReceivedEvent) => void, fail: (error: unknown) => void) {
  return (value: { data?: unknown; errors?: unknown }) => {
    if (value.errors) fail(value.errors);
    const event = (value.data as { instanceEvents?: ReceivedEvent } | null)?.instanceEvents;
    if (event) push({ ...event, receivedAt: Date.now() });
  };
}

/** Subscriptions a test opens, each closed after the test (call `closeAll` in afterEach). */
export function openLogs(): { track<T extends EventLog>(log: T): T; closeAll(): Promise<void> } {
  const open: EventLog[] = [];
  return {
    track(log) {
      open.push(log);
      return log;
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((log) => log.close().catch(() => undefined)));
    },
  };
}

/** The gateway's WebSocket URL from its HTTP /graphql URL. */
export function wsUrl(gatewayUrl: string): string {
  return gatewayUrl.replace(/^http/, 'ws');
}

/**
 * Subscribes over WebSocket (graphql-ws) with `token` in connection_init, as a browser
 * would; `onSocket` gets the raw socket (a test pauses it to play a slow client).
 */
export async function subscribeWs(
  gatewayUrl: string,
  token: string | null,
  filter: Record<string, unknown> | null,
  options: { onSocket?: (socket: WebSocket) => void; query?: string } = {},
): Promise<EventLog & { client: WsClient }> {
  const { log, push, fail } = eventLog();
  let closed: (value: { code?: number; reason?: string; errors?: unknown }) => void = () => undefined;
  const ended = new Promise<{ code?: number; reason?: string; errors?: unknown }>((resolve) => (closed = resolve));
  const result = {
    ...log,
    ended,
    client: undefined as unknown as WsClient,
    async close() {
      await result.client.dispose();
    },
  };
  const acknowledged = new Promise<void>((resolve, reject) => {
    result.client = createWsClient({
      url: wsUrl(gatewayUrl),
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols);
          options.onSocket?.(this);
        }
      },
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: false,
      // The test reads closes from `ended` and the rejection below.
      onNonLazyError: () => undefined,
      on: {
        connected: () => resolve(),
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          closed({ code, reason });
          reject(new Error(`socket closed before the ack: ${code} ${reason}`));
        },
      },
    });
  });
  await acknowledged;
  result.client.subscribe(
    { query: options.query ?? INSTANCE_EVENTS, variables: { filter } },
    {
      next: received(push, fail),
      error: (error) => {
        fail(error);
        const { code, reason } = (error ?? {}) as { code?: number; reason?: string };
        closed(code !== undefined ? { code, reason } : { errors: error });
      },
      complete: () => closed({}),
    },
  );
  return result;
}

/** Subscribes over SSE with graphql-sse's client (distinct connections mode), the Authorization header set. */
export function subscribeSse(gatewayUrl: string, token: string, filter: Record<string, unknown> | null): EventLog {
  const { log, push, fail } = eventLog();
  let closed: (value: { errors?: unknown }) => void = () => undefined;
  const ended = new Promise<{ errors?: unknown }>((resolve) => (closed = resolve));
  const client = createSseClient({
    url: `${gatewayUrl}/stream`,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const unsubscribe = client.subscribe(
    { query: INSTANCE_EVENTS, variables: { filter } },
    {
      next: received(push, fail),
      error: (error) => {
        fail(error);
        closed({ errors: error });
      },
      complete: () => closed({}),
    },
  );
  return {
    ...log,
    ended,
    async close() {
      unsubscribe();
      client.dispose();
    },
  };
}

/**
 * A bare SSE subscription over node:http, whose reading the test controls: `pause()` stops
 * reading the socket (a slow client), `resume()` reads on. Messages are parsed as they come.
 */
export function rawSse(
  gatewayUrl: string,
  token: string,
  filter: Record<string, unknown> | null,
): EventLog & { pause(): void; resume(): void; status: Promise<number>; messages: { event: string; data: any }[] } {
  const { log, push, fail } = eventLog();
  const messages: { event: string; data: any }[] = [];
  let closed: (value: { errors?: unknown }) => void = () => undefined;
  const ended = new Promise<{ errors?: unknown }>((resolve) => (closed = resolve));
  let response: http.IncomingMessage | null = null;
  let paused = false;
  let statusOf: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (statusOf = resolve));
  const body = JSON.stringify({ query: INSTANCE_EVENTS, variables: { filter } });
  const req = http.request(`${gatewayUrl}/stream`, {
    method: 'POST',
    headers: {
      accept: 'text/event-stream',
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'content-length': Buffer.byteLength(body),
    },
  });
  req.on('response', (res) => {
    response = res;
    statusOf(res.statusCode ?? 0);
    if (paused) res.pause();
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event) continue;
        const parsed = data ? JSON.parse(data) : null;
        messages.push({ event, data: parsed });
        if (event === 'next' && parsed?.errors) fail(parsed.errors);
        const instanceEvent = parsed?.data?.instanceEvents;
        if (event === 'next' && instanceEvent) push({ ...instanceEvent, receivedAt: Date.now() });
      }
    });
    res.on('end', () => closed({}));
    res.on('close', () => closed({}));
  });
  req.on('error', (err) => closed({ errors: err }));
  req.end(body);
  return {
    ...log,
    ended,
    status,
    messages,
    pause() {
      paused = true;
      response?.pause();
    },
    resume() {
      paused = false;
      response?.resume();
    },
    async close() {
      req.destroy();
    },
  };
}
