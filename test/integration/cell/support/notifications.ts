import { randomUUID } from 'node:crypto';
import type { CellClient } from '../../../../prisma/clients';
import { silentLogger } from '../../../../infrastructure/logger';
import { NotificationOutbox } from '../../../../infrastructure/notifications/notificationOutbox';

/** What a cell runtime built by hand needs for notifications when a test does not look at them: a cell uuid and an outbox that stages nothing. */
export function withoutNotifications(db: CellClient): { db: CellClient; cellUuid: string; events: NotificationOutbox } {
  return {
    db,
    cellUuid: randomUUID(),
    events: new NotificationOutbox({ db, publisher: null, logger: silentLogger(), leaseMs: 20000 }),
  };
}
