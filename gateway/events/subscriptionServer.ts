import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { createHandler as createSseHandler, type Request as SseRequest } from 'graphql-sse';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import { cellsError, ErrorCode } from '../../domain/errors';
import type { Identity } from '../../domain/identity';
import { readBodyText } from '../../infrastructure/httpServer';
import type { Logger } from '../../infrastructure/logger';
import { AuthenticationError, type Authenticator } from '../auth';
import type { EventHub } from './eventHub';
import { scopeOf, type InstanceEventFilter } from './eventScope';
import type { Subscriber, SubscriptionPayload } from './subscriber';

/** The WebSocket close code a dropped slow subscriber gets (contract: issue 12). */
export const TOO_SLOW_CLOSE_CODE = 4429;
/** The close code of a refused or expired token (graphql-ws's Forbidden). */
export const FORBIDDEN_CLOSE_CODE = 4403;
/** How long a dropped SSE subscriber's last bytes may take to drain before its connection is cut (as ws's close timeout). */
const DRAIN_GRACE_MS = 30000;

export interface SubscriptionServerOptions {
  /** The gateway's HTTP server: WebSocket upgrades on /graphql are served here. */
  server: Server;
  hub: EventHub;
  /** The API schema the gateway serves (the supergraph's, Subscription included). */
  schema: () => GraphQLSchema;
  authenticator: Authenticator;
  logger: Logger;
  /** Subscriptions one WebSocket may hold at once (CELLS_SUBSCRIPTIONS_PER_CONNECTION). */
  maxPerConnection: number;
  /** Largest message or body accepted (CELLS_MAX_BODY_BYTES). */
  maxPayloadBytes: number;
  /** The lexical token limit of a document (CELLS_MAX_TOKENS). */
  maxTokens: number;
}

export interface RunningSubscriptionServer {
  /** Serves GET/POST /graphql/stream (graphql-sse, distinct connections mode). */
  sse(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** Per subscription: who asked, and how its transport ends it. */
interface SubscriptionContext extends Record<PropertyKey, unknown> {
  identity: Identity;
  requestId: string;
  /** The transport's answer to a dropped slow subscriber: close the socket, or a last error payload. */
  onTooSlow(message: string): SubscriptionPayload | null;
  onEnd?(): void;
  /** Set once subscribed: the SSE transport counts what it holds unwritten against it. */
  subscriber?: Subscriber;
}

/** One WebSocket connection's state, from its connection_init on. */
interface Connection {
  identity: Identity;
  /** Operation ids holding a place against CELLS_SUBSCRIPTIONS_PER_CONNECTION. */
  operations: Set<string>;
  expiry: NodeJS.Timeout | null;
}

type WsExtra = { socket: WebSocket; request: IncomingMessage };

/**
 * `Subscription.instanceEvents`, served by the gateway itself (Apollo Gateway executes
 * no subscriptions): over WebSocket with graphql-ws at /graphql on the gateway's port
 * (the bearer token in connection_init's `authorization`), and over SSE with graphql-sse
 * at /graphql/stream (the Authorization header). Operations are validated against the
 * same API schema the gateway's introspection shows; only subscriptions are served here
 * (queries and mutations go over HTTP POST /graphql). A connection's token is checked
 * once, and the connection is closed when the token expires.
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): RunningSubscriptionServer {
  const { hub, logger } = options;

  const subscribeField: GraphQLFieldResolver<
    unknown,
    SubscriptionContext,
    { filter?: InstanceEventFilter | null }
  > = async (_source, args, context) => {
    try {
      const scope = scopeOf(context.identity, args.filter);
      const subscriber = await hub.subscribe(scope, { onTooSlow: context.onTooSlow, onEnd: context.onEnd });
      context.subscriber = subscriber;
      return subscriber;
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      logger.error({ err, requestId: context.requestId }, 'subscribing to instance events failed');
      throw cellsError(ErrorCode.INTERNAL_SERVER_ERROR, 'internal error', { requestId: context.requestId });
    }
  };

  // Parse (within the token limit), validate against the API schema, and accept
  // subscriptions only; the answer is execution arguments, or the errors to send back.
  const prepare = (
    payload: { query?: unknown; operationName?: unknown; variables?: unknown },
    context: SubscriptionContext,
  ): ExecutionArgs | readonly GraphQLError[] => {
    if (typeof payload.query !== 'string')
      return [cellsError(ErrorCode.BAD_USER_INPUT, 'query: expected a GraphQL document', { field: 'query' })];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: options.maxTokens });
    } catch (err) {
      const error = err as GraphQLError;
      if (/tokens/i.test(error.message))
        return [
          cellsError(
            ErrorCode.TOO_MANY_TOKENS,
            `too many tokens: the document exceeds the limit of ${options.maxTokens}`,
            { limit: 'CELLS_MAX_TOKENS', value: options.maxTokens },
          ),
        ];
      return [error];
    }
    const schema = options.schema();
    const invalid = validate(schema, document);
    if (invalid.length > 0) return invalid;
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) return [cellsError(ErrorCode.BAD_USER_INPUT, 'no operation to run (name it with operationName)')];
    if (operation.operation !== 'subscription')
      return [
        cellsError(
          ErrorCode.BAD_USER_INPUT,
          `this endpoint serves subscriptions only; send ${operation.operation === 'query' ? 'queries' : 'mutations'} with HTTP POST /graphql`,
        ),
      ];
    const variables =
      payload.variables && typeof payload.variables === 'object' && !Array.isArray(payload.variables)
        ? (payload.variables as Record<string, unknown>)
        : undefined;
    return {
      schema,
      document,
      operationName,
      variableValues: variables,
      contextValue: context,
      subscribeFieldResolver: subscribeField,
    };
  };

  // --- WebSocket (graphql-ws) ---
  const connections = new WeakMap<object, Connection>();
  const wss = new WebSocketServer({ server: options.server, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const ws = useServer<Record<string, unknown>, WsExtra>(
    {
      // Never echo internal error text into a close reason.
      isProd: true,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          const token = typeof authorization === 'string' ? authorization : undefined;
          const identity = await options.authenticator.verify(token);
          const connection: Connection = { identity, operations: new Set(), expiry: null };
          const expiresIn = expiresInMs(token);
          if (expiresIn !== null) {
            connection.expiry = setTimeout(
              () => socket.close(FORBIDDEN_CLOSE_CODE, 'Forbidden: token expired'),
              expiresIn,
            );
            connection.expiry.unref();
          }
          connections.set(ctx, connection);
          return true;
        } catch (err) {
          if (!(err instanceof AuthenticationError)) throw err;
          socket.close(FORBIDDEN_CLOSE_CODE, closeReason(`Forbidden: ${err.message}`));
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const connection = connections.get(ctx);
        if (!connection) return [cellsError(ErrorCode.UNAUTHENTICATED, 'connection not authenticated')];
        if (connection.operations.size >= options.maxPerConnection)
          return [
            cellsError(
              ErrorCode.TOO_MANY_SUBSCRIPTIONS,
              `too many subscriptions on this connection: at most ${options.maxPerConnection}`,
              { limit: 'CELLS_SUBSCRIPTIONS_PER_CONNECTION', value: options.maxPerConnection },
            ),
          ];
        const prepared = prepare(payload, {
          identity: connection.identity,
          requestId: randomUUID(),
          onTooSlow: (message) => {
            ctx.extra.socket.close(TOO_SLOW_CLOSE_CODE, message);
            return null;
          },
        });
        if (!Array.isArray(prepared)) connection.operations.add(id);
        return prepared as ExecutionArgs | GraphQLError[];
      },
      onComplete: (ctx, id) => {
        connections.get(ctx)?.operations.delete(id);
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx);
        if (connection?.expiry) clearTimeout(connection.expiry);
      },
    },
    wss,
  );

  // --- SSE (graphql-sse, distinct connections mode) ---
  /** One SSE request: its response, its caller, and (once subscribed) its operation. */
  type SseContext = { res: ServerResponse; identity: Identity; operation?: SubscriptionContext };
  const sseHandler = createSseHandler<IncomingMessage, SseContext, SubscriptionContext>({
    onSubscribe: (req: SseRequest<IncomingMessage, SseContext>, params) => {
      const { res, identity } = req.context;
      const context: SubscriptionContext = {
        identity,
        requestId: randomUUID(),
        onTooSlow: (message) => {
          // The stream ends after this error; a client that never reads it is cut off later.
          setTimeout(() => res.destroy(), DRAIN_GRACE_MS).unref();
          return { instanceEvents: cellsError(ErrorCode.SUBSCRIBER_TOO_SLOW, message) };
        },
      };
      req.context.operation = context;
      const prepared = prepare(params, context);
      if (Array.isArray(prepared)) return { errors: prepared } as ExecutionResult;
      return prepared as ExecutionArgs & { contextValue: SubscriptionContext };
    },
    // graphql-sse queues every result it takes at once; what it holds unwritten counts
    // against the subscriber's buffer (the writer below counts what it wrote).
    onNext: (ctx) => {
      ctx?.subscriber?.holding(1);
    },
  });

  async function sse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, message: string, code: ErrorCode) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    };
    if (req.method !== 'GET' && req.method !== 'POST')
      return answer(
        405,
        'use GET or POST with Accept: text/event-stream (distinct connections mode)',
        ErrorCode.BAD_REQUEST,
      );
    if (req.headers['x-graphql-event-stream-token'] || new URL(req.url ?? '/', 'http://x').searchParams.has('token'))
      return answer(
        400,
        'single connection mode is not served; use distinct connections (the client default)',
        ErrorCode.BAD_REQUEST,
      );
    if (req.headers.accept !== 'text/event-stream')
      return answer(406, 'expected Accept: text/event-stream', ErrorCode.BAD_REQUEST);
    let identity: Identity;
    const authorization = req.headers.authorization;
    try {
      identity = await options.authenticator.verify(authorization);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      return answer(401, err.message, ErrorCode.UNAUTHENTICATED);
    }
    const body = await readBodyText(req, options.maxPayloadBytes);
    if (body === null) {
      res.setHeader('connection', 'close');
      return answer(413, `request body larger than ${options.maxPayloadBytes} bytes`, ErrorCode.BAD_REQUEST);
    }
    const context: SseContext = { res, identity };
    const [stream, init] = await sseHandler({
      method: req.method,
      url: req.url ?? '/graphql/stream',
      headers: { get: (key) => headerText(req, key) },
      body,
      raw: req,
      context,
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!stream || typeof stream === 'string') {
      res.end(stream ?? undefined);
      return;
    }
    const expiresIn = expiresInMs(authorization);
    const expiry =
      expiresIn === null
        ? null
        : setTimeout(() => {
            const subscriber = context.operation?.subscriber;
            if (subscriber) subscriber.close({ instanceEvents: tokenExpired() });
            else res.destroy();
          }, expiresIn);
    expiry?.unref();
    res.once('close', () => {
      if (expiry) clearTimeout(expiry);
      void stream.return(undefined);
    });
    // Written one message at a time, each once the last left the process: what graphql-sse
    // holds meanwhile is what a slow client makes the gateway buffer (Subscriber.holding).
    for await (const chunk of stream) {
      const written = await new Promise<boolean>((resolve) => {
        if (!res.writable) return resolve(false);
        res.write(chunk, (err) => resolve(!err));
      });
      if (!written) break;
      if (chunk.startsWith('event: next')) context.operation?.subscriber?.holding(-1);
    }
    res.end();
  }

  return {
    sse,
    async close() {
      await Promise.resolve(ws.dispose()).catch(() => undefined);
    },
  };
}

function tokenExpired(): GraphQLError {
  return cellsError(ErrorCode.UNAUTHENTICATED, 'token expired; subscribe again with a fresh token');
}

/** Milliseconds until a (verified) bearer token expires; null without an exp claim. */
function expiresInMs(authorization: string | undefined): number | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return null;
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? Math.max(0, exp * 1000 - Date.now()) : null;
  } catch {
    return null;
  }
}

// A WebSocket close reason is at most 123 bytes.
function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123
    ? text
    : `${bytes
        .subarray(0, 119)
        .toString('utf8')
        .replace(/\uFFFD$/, '')}...`;
}

function headerText(req: IncomingMessage, key: string): string | undefined {
  const value = req.headers[key.toLowerCase()];
  return Array.isArray(value) ? value.join('\n') : value;
}
