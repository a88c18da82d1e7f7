import type { ApiClient } from '../../prisma/clients';
import type { BaseRequestContext } from '../shared/internalAuth';
import type { Logger } from '../shared/logger';
import { createLoaders, type GlobalLoaders } from './loaders';
import type { SchedulerDeps } from './scheduler/createServers';

/** Everything a global resolver gets: who calls, the API database, and this request's loaders. */
export interface GlobalContext extends BaseRequestContext {
  prisma: ApiClient;
  loaders: GlobalLoaders;
  logger: Logger;
  /** Shared by every request: pooled cell clients and how to reach cells (createServer). */
  scheduler: SchedulerDeps;
}

/** A fresh context per request: loaders never share a cache across callers. */
export function createGlobalContext(base: BaseRequestContext, prisma: ApiClient, logger: Logger, scheduler: SchedulerDeps): GlobalContext {
  return {
    ...base,
    prisma,
    loaders: createLoaders(prisma),
    logger: logger.child({ requestId: base.requestId, userId: base.identity.userId }),
    scheduler,
  };
}
