import type { ApiClient } from '../../prisma/clients';
import type { BaseRequestContext } from '../../domain/internalAuth';
import type { Logger } from '../../infrastructure/logger';
import { createLoaders, type GlobalLoaders } from './loaders';
import type { CellHealth } from './scheduler/cellHealth';
import type { CellPool } from './scheduler/cellPool';

/** What the scheduler shares across requests: pooled cell clients, cell health and how to call cells. */
export interface SchedulerDeps {
  pool: CellPool;
  /** Which cells failed recently (skipped without being asked for the cool-down). */
  health: CellHealth;
  internalSecret: string;
  /** Budget for one call to a cell: its database (host look-up) or its buildInstance answer. */
  cellTimeoutMs: number;
  /** Nova's max_attempts: failed cells tried for one server before it is buried in cell0. */
  maxAttempts: number;
  /** How long one createServer schedules: past it, servers not placed are buried in cell0. */
  budgetMs: number;
  logger: Logger;
}

/** Everything a global resolver gets: who calls, the API database, and this request's loaders. */
export interface GlobalContext extends BaseRequestContext {
  prisma: ApiClient;
  loaders: GlobalLoaders;
  logger: Logger;
  /** Shared by every request: pooled cell clients and how to reach cells (createServer). */
  scheduler: SchedulerDeps;
}

/** A fresh context per request: loaders never share a cache across callers. */
export function createGlobalContext(
  base: BaseRequestContext,
  prisma: ApiClient,
  logger: Logger,
  scheduler: SchedulerDeps,
): GlobalContext {
  return {
    ...base,
    prisma,
    loaders: createLoaders(prisma),
    logger: logger.child({ requestId: base.requestId, userId: base.identity.userId }),
    scheduler,
  };
}
