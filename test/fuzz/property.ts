import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../../domain/errors';
import { errorTexts, leaksIn } from '../helpers/leaks';
import type { FuzzCase } from './generator';

/** Where the fuzzer sends its cases and what it knows to check isolation. */
export interface Target {
  gatewayUrl: string;
  tokens: { admin: string; tenant: string };
  tenant: {
    projectId: string;
    /** Instance uuids of another project: never in the tenant's answers unless it sent them. */
    foreignIds: string[];
    /** Names only another project's data holds. */
    foreignStrings: string[];
    /**
     * Markers an admin mutation has written into shared data (a flavor's flavorid, a cell's
     * uuid); filled as the fuzzer runs, since what the admin writes the tenant may see.
     */
    tainted?: Set<string>;
  };
  /** What the servers logged for a request id (warnings and errors), to explain a finding. */
  logsFor?: (requestId: string) => string[];
  /** /healthz of every server. */
  healthUrls: string[];
}

/** One broken promise, named so that the same failure from different cases groups together. */
export interface Finding {
  kind: string;
  detail: string;
  status: number;
  body: string;
}

/**
 * Codes an answer may carry: Cells' own (ErrorCode, which names the gateway's limits too),
 * Apollo Server's request errors, and the gateway's global-subgraph failure.
 */
export const EXPECTED_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'GLOBAL_UNAVAILABLE',
  'QUERY_TOO_COMPLEX',
]);

const REQUEST_TIMEOUT_MS = 30000;

/**
 * Codes that say a part of the deployment is down; the fuzzer's world keeps its servers and
 * databases up. (The broker is shared with other suites' broker faults, so BROKER_UNAVAILABLE
 * is not counted.)
 */
const OUTAGE_CODES: ReadonlySet<string> = new Set([ErrorCode.CELL_UNAVAILABLE, 'GLOBAL_UNAVAILABLE']);

/**
 * Sends one case and checks every promise: no 5xx, a JSON answer, no INTERNAL_SERVER_ERROR,
 * known codes only, no leaked text, and for a tenant nothing of another project.
 * Answers the first broken one, or null; `tally` hears what came back (role, status, first code).
 */
export async function checkCase(
  target: Target,
  c: FuzzCase,
  tally?: (outcome: string) => void,
): Promise<Finding | null> {
  let status: number;
  let text: string;
  let requestId: string | null;
  try {
    const response = await fetch(target.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.tokens[c.as]}` },
      body: JSON.stringify({ query: c.query, variables: c.variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = response.status;
    requestId = response.headers.get('x-request-id');
    text = await response.text();
  } catch (err) {
    return { kind: 'no answer', detail: String((err as Error).cause ?? err), status: 0, body: '' };
  }
  const finding = (kind: string, detail: string): Finding => {
    const logged = requestId ? (target.logsFor?.(requestId) ?? []) : [];
    // An internal error reads the same to the client whatever its cause: the log tells them apart.
    const cause =
      /INTERNAL_SERVER_ERROR|^HTTP 5/.test(kind) && logged.length ? ` [${signature(logged[logged.length - 1])}]` : '';
    return {
      kind: kind + cause,
      detail: [detail, ...logged].join(' | '),
      status,
      body: text.length > 4000 ? `${text.slice(0, 4000)}…` : text,
    };
  };
  let body: {
    data?: unknown;
    errors?: { message?: string; path?: (string | number)[]; extensions?: { code?: unknown } }[];
  };
  try {
    body = JSON.parse(text);
  } catch {
    return finding(`HTTP ${status} not JSON`, text.slice(0, 200));
  }
  const errors = Array.isArray(body.errors) ? body.errors : [];
  if (c.as === 'admin' && /\bmutation\b/.test(c.query)) taint(target, `${c.query}\n${JSON.stringify(c.variables)}`);
  tally?.(`${c.as} HTTP ${status} ${errors.length ? String(errors[0]?.extensions?.code) : 'data'}`);
  const where = (error?: { path?: (string | number)[] }) => rootField(c.query, error?.path?.[0]);
  if (status >= 500)
    return finding(
      `HTTP ${status} ${String(errors[0]?.extensions?.code ?? 'no code')} at ${where(errors[0])}`,
      errors[0]?.message ?? '',
    );
  for (const error of errors) {
    const code = error?.extensions?.code;
    if (code === ErrorCode.INTERNAL_SERVER_ERROR)
      return finding(`INTERNAL_SERVER_ERROR at ${where(error)} (${c.as})`, error.message ?? '');
    if (typeof code !== 'string') return finding(`error without a code (HTTP ${status})`, error?.message ?? '');
    if (!EXPECTED_CODES.has(code)) return finding(`unknown code ${code} at ${where(error)}`, error.message ?? '');
  }
  // Every server is up: a cell or the global subgraph reported down is a request error misread as an outage.
  const outage = errors.find((error) => OUTAGE_CODES.has(String(error?.extensions?.code)));
  if (outage)
    return finding(`${String(outage.extensions?.code)} from a healthy world at ${where(outage)}`, outage.message ?? '');
  const row = failedCellRows(body.data)[0];
  if (row) return finding(`cell row ${row.status} from a healthy world (${c.as})`, row.message ?? '');
  // A tenant's whole answer is checked; an admin's data may hold URLs (a cell's graphqlUrl).
  const leaks = leaksIn(c.as === 'tenant' ? text : errorTexts(body));
  if (leaks.length > 0)
    return finding(`leak ${leaks[0]} (${c.as})`, excerpt(c.as === 'tenant' ? text : errorTexts(body), leaks[0]));
  if (c.as === 'tenant') return isolation(target, c, body.data, text, finding);
  return null;
}

/** GETs every server's /healthz; answers the ones that did not say 200. */
export async function unhealthy(target: Target): Promise<string[]> {
  const results = await Promise.all(
    target.healthUrls.map(async (url) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(10000) });
        await response.arrayBuffer();
        return response.status === 200 ? null : `${url} answered ${response.status}`;
      } catch (err) {
        return `${url}: ${String((err as Error).cause ?? err)}`;
      }
    }),
  );
  return results.filter((r): r is string => r !== null);
}

// Every projectId in the tenant's data is its own; another project's uuids and names
// appear nowhere, except where the tenant's own request named them.
function isolation(
  target: Target,
  c: FuzzCase,
  data: unknown,
  text: string,
  finding: (kind: string, detail: string) => Finding,
): Finding | null {
  const foreignProject = projectIds(data).find((id) => id !== target.tenant.projectId);
  if (foreignProject !== undefined) return finding('isolation: another projectId in a tenant answer', foreignProject);
  const sent = `${c.query}\n${JSON.stringify(c.variables)}`;
  const dataText = JSON.stringify(data ?? null);
  for (const marker of [...target.tenant.foreignIds, ...target.tenant.foreignStrings]) {
    if (target.tenant.tainted?.has(marker)) continue;
    if (dataText.includes(marker)) return finding('isolation: another project in tenant data', marker);
    if (text.includes(marker) && !sent.includes(marker))
      return finding('isolation: another project in a tenant error', marker);
  }
  return null;
}

// CellResult rows (`cells { status }`) that are not OK, wherever the answer holds them.
function failedCellRows(
  value: unknown,
  out: { status: string; message?: string }[] = [],
): { status: string; message?: string }[] {
  if (Array.isArray(value)) for (const item of value) failedCellRows(item, out);
  else if (value && typeof value === 'object') {
    const row = value as { status?: unknown; cellUuid?: unknown; message?: unknown };
    if ('cellUuid' in row && typeof row.status === 'string' && ['TIMEOUT', 'UNAVAILABLE', 'ERROR'].includes(row.status))
      out.push({ status: row.status, message: typeof row.message === 'string' ? row.message : undefined });
    for (const item of Object.values(value)) failedCellRows(item, out);
  }
  return out;
}

function taint(target: Target, sent: string): void {
  for (const marker of [...target.tenant.foreignIds, ...target.tenant.foreignStrings]) {
    if (sent.includes(marker)) (target.tenant.tainted ??= new Set()).add(marker);
  }
}

function projectIds(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) projectIds(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'projectId' && typeof item === 'string') out.push(item);
      else projectIds(item, out);
    }
  }
  return out;
}

/** The root field a response key belongs to (aliases resolved), for grouping findings. */
export function rootField(query: string, responseKey: string | number | undefined): string {
  if (typeof responseKey !== 'string') return 'the request';
  try {
    const operation = parse(query).definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    for (const selection of operation?.selectionSet.selections ?? []) {
      if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === responseKey)
        return `${operation!.operation} ${selection.name.value}`;
    }
  } catch {
    // Not parseable: the key is all there is.
  }
  return responseKey;
}

function excerpt(text: string, pattern: string): string {
  const source = pattern.slice(1, pattern.lastIndexOf('/'));
  const match = new RegExp(source, pattern.slice(pattern.lastIndexOf('/') + 1)).exec(text);
  const at = match?.index ?? 0;
  return text.slice(Math.max(0, at - 120), at + 120);
}

// A log line without its values: quoted text, numbers and code excerpts dropped.
function signature(line: string): string {
  return line
    .replace(/^error answered as internal error: /, '')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part && !/^(?:\/|→|\d+ )/.test(part))
    .join(' ')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 90);
}
