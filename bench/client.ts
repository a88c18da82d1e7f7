import { identityHeaders, SERVICE_IDENTITY } from '../domain/identity';

/** A GraphQL answer with how long it took (request sent to last byte read). */
export interface TimedAnswer {
  ms: number;
  status: number;
  bytes: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** Sends one GraphQL request to `url` with `headers`; never throws for GraphQL errors. */
export async function post(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  return { ms, status: response.status, bytes: text.length, body: JSON.parse(text) };
}

/** Headers for the gateway: an admin's bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Headers for a cell subgraph called directly, as the gateway calls it (service identity, internal secret). */
export function internal(secret: string): Record<string, string> {
  return identityHeaders(SERVICE_IDENTITY, secret);
}

/** Throws when an answer is not a clean success: a bench that times errors measures nothing. */
export function expectData(answer: TimedAnswer, what: string): Record<string, any> {
  if (answer.status !== 200 || !answer.body.data || answer.body.errors?.length) {
    throw new Error(`${what}: HTTP ${answer.status}, errors ${JSON.stringify(answer.body.errors ?? []).slice(0, 500)}`);
  }
  return answer.body.data;
}
