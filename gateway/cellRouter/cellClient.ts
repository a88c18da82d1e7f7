import type http from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { keepAliveAgent, postJson, type PostAnswer } from '../keepAlivePost';
import type { CellRequest } from './operation';
import { ErrorCode } from '../../domain/errors';

/** How a cell failed to answer, as the contract's CellResultStatus names it. */
export type CellFailureStatus = 'TIMEOUT' | 'UNAVAILABLE' | 'ERROR';

export interface GraphQLResponseBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

/**
 * One cell's answer: a value, or why not. Partial failure is data, not an exception.
 * A failure's `message` is short and fixed per cause (clients see it); `detail` is the
 * raw text behind it, for the logs only.
 */
export type CellOutcome<T> =
  | { ok: true; value: T; elapsedMs: number }
  | { ok: false; status: CellFailureStatus; message: string; elapsedMs: number; detail?: string };

/** What the router knows about a cell from its mapping. */
export interface CellInfo {
  uuid: string;
  name: string | null;
  disabled: boolean;
  graphqlUrl: string | null;
}

/**
 * Talks to one cell's subgraph over keep-alive HTTP. Every call has a deadline; what
 * goes wrong comes back as a CellOutcome whose message never holds the URL.
 */
export class CellClient {
  private readonly agent: http.Agent;

  constructor(
    readonly cell: CellInfo,
    private readonly timeoutMs: number,
  ) {
    this.agent = keepAliveAgent(cell.graphqlUrl ?? '', 64);
  }

  /** Sends `request`; resolves (never rejects) with the cell's answer or its failure. */
  async send(
    request: CellRequest,
    headers: Record<string, string>,
    timeoutMs = this.timeoutMs,
  ): Promise<CellOutcome<GraphQLResponseBody>> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
    if (!this.cell.graphqlUrl)
      return { ok: false, status: 'UNAVAILABLE', message: 'cell has no subgraph URL', elapsedMs: 0 };
    try {
      const payload = JSON.stringify({ query: request.query, variables: request.variables });
      const { status, body } = await this.post(payload, headers, timeoutMs).catch((err) => {
        // The cell closed a kept-alive connection as we reused it: a query is safe to resend.
        if (request.idempotent && isReset(err)) return this.post(payload, headers, timeoutMs);
        throw err;
      });
      const parsed = parseBody(body);
      if (!parsed)
        return {
          ok: false,
          status: 'ERROR',
          message: `cell answered HTTP ${status} without a GraphQL body`,
          elapsedMs: elapsed(),
          detail: body.slice(0, 500),
        };
      if (status === 401)
        return { ok: false, status: 'ERROR', message: 'cell refused the internal credentials', elapsedMs: elapsed() };
      // A cell up with its database down answers in GraphQL; the caller reads that answer.
      if (status >= 500 && !parsed.data && !saysDatabaseDown(parsed)) {
        return {
          ok: false,
          status: 'ERROR',
          message: `cell answered HTTP ${status}`,
          elapsedMs: elapsed(),
          detail: firstMessage(parsed),
        };
      }
      return { ok: true, value: parsed, elapsedMs: elapsed() };
    } catch (err) {
      return { ok: false, ...classify(err, timeoutMs), elapsedMs: elapsed(), detail: describeError(err) };
    }
  }

  /** Closes idle keep-alive connections; used when the cell is removed or re-pointed. */
  close(): void {
    this.agent.destroy();
  }

  private post(payload: string, headers: Record<string, string>, timeoutMs: number): Promise<PostAnswer> {
    return postJson(this.cell.graphqlUrl!, this.agent, payload, headers, timeoutMs);
  }
}

function isReset(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

// A GraphQL answer is a JSON object; anything else (HTML, a bare string) is not one.
function parseBody(body: string): GraphQLResponseBody | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as GraphQLResponseBody) : null;
  } catch {
    return null;
  }
}

function firstMessage(body: GraphQLResponseBody): string {
  return body.errors?.[0]?.message ?? 'no message';
}

function saysDatabaseDown(body: GraphQLResponseBody): boolean {
  return Array.isArray(body.errors) && body.errors.some((e) => e?.extensions?.code === ErrorCode.CELL_UNAVAILABLE);
}

function describeError(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return [e.name, e.code, e.message].filter(Boolean).join(': ');
}

/**
 * A request that got no answer: the deadline is TIMEOUT; anything that kept the cell
 * from being reached at all (refused, reset, DNS, routing, TLS) is UNAVAILABLE. Only an
 * HTTP answer the parser could not read is ERROR: the cell answered, wrongly.
 */
export function classify(err: unknown, timeoutMs: number): { status: CellFailureStatus; message: string } {
  const e = err as { name?: string; code?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return { status: 'TIMEOUT', message: `no answer within ${timeoutMs} ms` };
  }
  const code = e.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return { status: 'UNAVAILABLE', message: 'connection refused' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return { status: 'UNAVAILABLE', message: 'connection reset' };
    case 'ETIMEDOUT':
      return { status: 'TIMEOUT', message: 'connection timed out' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return { status: 'UNAVAILABLE', message: 'host unreachable' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return { status: 'UNAVAILABLE', message: 'host name does not resolve' };
    default:
      if (TLS_CODE.test(code)) return { status: 'UNAVAILABLE', message: 'TLS handshake failed' };
      if (code.startsWith('HPE_')) return { status: 'ERROR', message: 'cell answered with malformed HTTP' };
      return { status: 'UNAVAILABLE', message: 'cell could not be reached' };
  }
}

// Node's TLS and OpenSSL certificate error codes.
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/;
