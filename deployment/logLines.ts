const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const QUIET = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'service']);

/**
 * One output line of a child, prefixed with its name. Pino JSON lines become
 * "LEVEL message key=value…", so five interleaved servers stay readable.
 */
export function formatChildLine(name: string, line: string): string {
  const prefix = `[${name}]`;
  if (!line.startsWith('{')) return `${prefix} ${line}`;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const level = LEVELS[Number(record.level)] ?? String(record.level ?? '');
    const extra = Object.entries(record)
      .filter(([key]) => !QUIET.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    return [prefix, level, String(record.msg ?? ''), ...extra].filter(Boolean).join(' ');
  } catch {
    return `${prefix} ${line}`;
  }
}
