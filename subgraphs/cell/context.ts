import type { CellClient } from '../../prisma/clients';
import type { BaseRequestContext } from '../shared/internalAuth';
import type { Logger } from '../shared/logger';
import { createLoaders, type CellLoaders } from './loaders';
import type { CellQueue } from './queue';

/** What is fixed for one running cell subgraph: its identity, database and broker. */
export interface CellRuntime {
  cellUuid: string;
  cellName: string;
  db: CellClient;
  queue: CellQueue;
  logger: Logger;
}

/** Per-request context: the caller, the request id, fresh loaders, and the cell. */
export interface CellContext extends BaseRequestContext {
  cell: CellRuntime;
  loaders: CellLoaders;
}

export function createCellContext(base: BaseRequestContext, cell: CellRuntime): CellContext {
  return { ...base, cell, loaders: createLoaders(cell.db) };
}
