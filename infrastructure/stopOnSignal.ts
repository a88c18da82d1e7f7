import type { Logger } from './logger';

/** Closes `running` and exits on SIGINT/SIGTERM: the shutdown every process entry point shares. */
export function stopOnSignal(running: { close(): Promise<void> }, logger: Logger): void {
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
