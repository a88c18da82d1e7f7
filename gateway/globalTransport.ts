import type http from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { keepAliveAgent, postJson, type PostAnswer } from './keepAlivePost';
import { failSpan, inSpan, SpanKind } from '../infrastructure/tracing';

/** The `fetcher` Apollo's RemoteGraphQLDataSource calls. */
export type Fetcher = RemoteGraphQLDataSource['fetcher'];

/** Why the global subgraph did not answer: no answer in time, unreachable, or a wrong answer. */
export type GlobalFailure = 'TIMEOUT' | 'UNAVAILABLE' | 'ERROR';

/** Thrown when the global subgraph cannot answer; the message is fixed per cause and holds no URL. */
export class GlobalUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: GlobalFailure = 'ERROR',
    /** The socket error's code, for the logs only. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'GlobalUnavailableError';
  }
}

/** The global subgraph's HTTP answer, read in full. */
export type GlobalAnswer = PostAnswer;

// As for the cells: a global subgraph that accepts and never answers holds at most this many sockets.
const MAX_SOCKETS = 64;

/**
 * The gateway's one keep-alive socket pool to the global subgraph, shared by the cell
 * router's own look-ups and the planner's fetches (as `fetcher`). Every call has the
 * deadline `timeoutMs`, queueing for a socket included; failures reject with a
 * GlobalUnavailableError.
 */
export class GlobalTransport {
  private readonly agent: http.Agent;

  /**
   * `timeoutMs` bounds reads; `mutationTimeoutMs` bounds mutations, which the global
   * subgraph may spend its whole scheduling budget on (createServer tries alternate cells).
   */
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly mutationTimeoutMs: number = timeoutMs,
  ) {
    this.agent = keepAliveAgent(url, MAX_SOCKETS);
  }

  /**
   * POSTs `body`; `idempotent` lets a request the server reset on a reused idle socket be
   * sent once more. Traced as one `cells.global_request` span.
   */
  async post(body: string, headers: Record<string, string>, idempotent: boolean): Promise<GlobalAnswer> {
    const outcome = await inSpan(
      'cells.global_request',
      SpanKind.CLIENT,
      { 'cells.global.mutation': !idempotent },
      (span) =>
        this.send(body, headers, idempotent).then(
          (answer) => {
            span.setAttributes({ 'cells.global.status': 'OK', 'http.response.status_code': answer.status });
            return { ok: true as const, answer };
          },
          (err: GlobalUnavailableError) => {
            span.setAttribute('cells.global.status', err.reason);
            failSpan(span, `${err.reason}: ${err.message}`);
            return { ok: false as const, err };
          },
        ),
    );
    if (!outcome.ok) throw outcome.err;
    return outcome.answer;
  }

  private async send(body: string, headers: Record<string, string>, idempotent: boolean): Promise<GlobalAnswer> {
    const deadline = idempotent ? this.timeoutMs : this.mutationTimeoutMs;
    try {
      return await this.request(body, headers, deadline).catch((err) => {
        if (
          idempotent &&
          (err as { reusedSocket?: boolean }).reusedSocket &&
          (err as { code?: string }).code === 'ECONNRESET'
        )
          return this.request(body, headers, deadline);
        throw err;
      });
    } catch (err) {
      throw this.classify(err, deadline);
    }
  }

  /** For RemoteGraphQLDataSource: the same pool and deadline, answering a WHATWG Response. */
  readonly fetcher: Fetcher = async (_url, init) => {
    const body = typeof init?.body === 'string' ? init.body : (init?.body?.toString('utf8') ?? '');
    const answer = await this.post(body, init?.headers ?? {}, !isMutation(body));
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
    }
    return new Response(answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers,
    }) as unknown as Awaited<ReturnType<Fetcher>>;
  };

  /** Closes the pool's sockets (the gateway stops). */
  close(): void {
    this.agent.destroy();
  }

  private request(body: string, headers: Record<string, string>, timeoutMs: number): Promise<GlobalAnswer> {
    return postJson(this.url, this.agent, body, headers, timeoutMs);
  }

  private classify(err: unknown, timeoutMs: number): GlobalUnavailableError {
    const e = err as { name?: string; code?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ABORT_ERR') {
      return new GlobalUnavailableError(`global subgraph did not answer within ${timeoutMs} ms`, 'TIMEOUT');
    }
    return new GlobalUnavailableError('global subgraph unreachable', 'UNAVAILABLE', e.code);
  }
}

// The planner's fetches carry the operation text first; a mutation is never sent twice.
function isMutation(body: string): boolean {
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query;
    return typeof query !== 'string' || /^\s*mutation\b/.test(query);
  } catch {
    return true;
  }
}
