import { Prisma } from '../prisma/cell/generated/client';
import type { CellClient } from '../prisma/clients';
import type { Logger } from '../infrastructure/logger';

/**
 * nova-compute's service report: at start and then every `intervalMs` the hosts' service
 * rows get last_seen_up = now and report_count + 1, so an operator (and a scheduler) can
 * tell a live host from a dead one. "Now" is the database's clock (UTC wall-clock, as the
 * column stores it), the clock the cell subgraph judges UP/DOWN by, so a skewed agent
 * clock never marks its host down. Returns a stop function.
 */
export function startHeartbeat(db: CellClient, hosts: string[], intervalMs: number, logger: Logger): () => void {
  const beat = () =>
    db
      .$executeRaw(
        Prisma.sql`UPDATE services SET last_seen_up = (now() AT TIME ZONE 'UTC'), report_count = report_count + 1
          WHERE host IN (${Prisma.join(hosts)}) AND "binary" = 'nova-compute' AND deleted = 0`,
      )
      .catch((err) => logger.warn({ err }, 'compute service report failed; the next one retries'));
  void beat();
  const timer = intervalMs > 0 ? setInterval(beat, intervalMs) : null;
  timer?.unref();
  return () => {
    if (timer) clearInterval(timer);
  };
}
