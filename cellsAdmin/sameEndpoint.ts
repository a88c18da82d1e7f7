import { NO_TRANSPORT } from './validation';

const DEFAULT_PORTS: Record<string, string> = {
  'postgresql:': '5432',
  'postgres:': '5432',
  'amqp:': '5672',
  'amqps:': '5671',
};

/**
 * What identifies the database or broker vhost a URL reaches, with credentials,
 * query and default ports left out: two cells whose URLs differ only in password
 * or `?sslmode=` would still share one database, which is what we refuse.
 */
export function endpointKey(url: string): string {
  if (url === NO_TRANSPORT) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // A row written by hand may hold anything; it can only equal itself.
    return url;
  }
  const family = parsed.protocol === 'postgres:' ? 'postgresql:' : parsed.protocol;
  const port = parsed.port || DEFAULT_PORTS[parsed.protocol] || '';
  // An amqp URL without a path means the default vhost "/".
  const path =
    family.startsWith('amqp') && (parsed.pathname === '' || parsed.pathname === '/') ? '/%2F' : parsed.pathname;
  return `${family}//${parsed.hostname.toLowerCase()}:${port}${decodeURIComponent(path)}`;
}

/** Whether two URLs reach the same database or vhost. */
export function sameEndpoint(a: string, b: string): boolean {
  return endpointKey(a) === endpointKey(b);
}
