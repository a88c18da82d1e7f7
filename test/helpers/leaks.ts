/**
 * Text that must never reach a caller: driver and ORM names, SQL state text, errno codes,
 * URLs, hosts and stack frames. Tests grep answers (errors, `cells[].message`, whole
 * bodies of tenants) with these; the fuzzer keeps its own random strings clear of them
 * so an echo of the caller's input is never taken for a leak.
 */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /prisma/i,
  /Invalid `/,
  /Raw query failed/i,
  /\bECONN(?:REFUSED|RESET|ABORTED)\b/,
  /\bE(?:HOSTUNREACH|NETUNREACH|NOTFOUND|AI_AGAIN|PIPE|TIMEDOUT)\b/,
  /127\.0\.0\.1/,
  /\blocalhost\b/i,
  // URLs and the database user; a refusal's format hint (`a postgresql://user@host[:port]/database
  // URL`, `an amqp://user:password@host[:port]/vhost URL`) names no real place and passes.
  /\b(?:https?|amqps?|postgres(?:ql)?|redis):\/\/(?!user[:@])/i,
  /\bpostgres\b/i,
  /\bamqps?\b(?!:\/\/user[:@])/i,
  / {4}at /,
  /invalid byte sequence/i,
  /invalid input syntax/i,
  /syntax error at or near/i,
  /\bSQLSTATE\b/i,
  /violates [a-z -]*constraint/i,
  /\brelation "/i,
  /"stack(?:trace)?"\s*:/,
  /"exception"\s*:/,
  /"serviceName"\s*:/,
  /"response"\s*:\s*\{\s*"url"/,
];

/** The leak patterns `text` matches (empty when it is clean). */
export function leaksIn(text: string): string[] {
  return LEAK_PATTERNS.filter((pattern) => pattern.test(text)).map(String);
}

/** True when `text` matches no leak pattern (what a fuzzer's own strings must be). */
export function isLeakFree(text: string): boolean {
  return leaksIn(text).length === 0;
}

/**
 * What a caller may see of an answer, to grep for leaks: its errors, and every `message`
 * inside its data (a cell's row, a fault). Admin data may hold URLs (a cell's
 * `graphqlUrl`); grep a tenant's whole body instead.
 */
export function errorTexts(body: unknown): string {
  const parts: string[] = [];
  const { errors, data } = (body ?? {}) as { errors?: unknown; data?: unknown };
  if (errors !== undefined) parts.push(JSON.stringify(errors));
  collectMessages(data, parts);
  return parts.join('\n');
}

function collectMessages(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectMessages(item, out);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'message' && typeof item === 'string') out.push(item);
      else collectMessages(item, out);
    }
  }
}
