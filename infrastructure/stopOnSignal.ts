import type { Logger } from './logger';
import { stopTracing } from './tracing';

/**
 * Closes `running`, flushes the spans not yet exported, and exits on SIGINT/SIGTERM: the
 * shutdown every process entry point shares.
 */
export function stopOnSignal(running: { close(): Promise<void> }, logger: Logger): void {
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.close().finally(() => stopTracing());
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
