import pino, { type Logger } from 'pino';

export type { Logger };

/** A JSON logger named after the process; `level` comes from the process's config. */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({ name, level, base: { service: name } });
}

/** A logger that drops everything, the default where none is passed in (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
