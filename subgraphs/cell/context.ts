import type { CellClient } from '../../prisma/clients';
import type { BaseRequestContext } from '../../domain/internalAuth';
import type { Logger } from '../../infrastructure/logger';
import type { NotificationOutbox } from '../../infrastructure/notifications/notificationOutbox';
import { createLoaders, type CellLoaders } from './loaders';
import type { CellQueue } from './queue';
import type { InstanceRow } from './rows';

/** What is fixed for one running cell subgraph: its identity, database and broker. */
export interface CellRuntime {
  cellUuid: string;
  cellName: string;
  db: CellClient;
  queue: CellQueue;
  /** Instance notifications (instance.update, instance.<action>.*), written with the changes they report. */
  events: NotificationOutbox;
  logger: Logger;
  /** A compute service whose last report is older than this is DOWN (Nova's service_down_time; default 60 s). */
  serviceDownTimeS?: number;
  /** Called after a local delete (an instance with no host, e.g. in cell0) is committed. */
  onInstanceDeleted?: (instance: InstanceRow) => void | Promise<void>;
}

/** Per-request context: the caller, the request id, fresh loaders, and the cell. */
export interface CellContext extends BaseRequestContext {
  cell: CellRuntime;
  loaders: CellLoaders;
}

export function createCellContext(base: BaseRequestContext, cell: CellRuntime): CellContext {
  return { ...base, cell, loaders: createLoaders(cell.db) };
}
