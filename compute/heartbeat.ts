import type { CellClient } from '../prisma/clients';
import type { Logger } from '../infrastructure/logger';

/**
 * nova-compute's service report: every `intervalMs` the hosts' service rows get
 * last_seen_up = now and report_count + 1, so an operator (and a scheduler) can tell
 * a live host from a dead one. Returns a stop function.
 */
export function startHeartbeat(db: CellClient, hosts: string[], intervalMs: number, logger: Logger): () => void {
  const beat = () =>
    db.service
      .updateMany({
        where: { host: { in: hosts }, binary: 'nova-compute', deleted: 0 },
        data: { lastSeenUp: new Date(), reportCount: { increment: 1 } },
      })
      .catch((err) => logger.warn({ err }, 'compute service report failed; the next one retries'));
  void beat();
  const timer = intervalMs > 0 ? setInterval(beat, intervalMs) : null;
  timer?.unref();
  return () => {
    if (timer) clearInterval(timer);
  };
}
