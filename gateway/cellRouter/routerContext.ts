import type DataLoader from 'dataloader';
import type { GraphQLFormattedError } from 'graphql';
import type { Identity } from '../../subgraphs/shared/identity';
import type { Logger } from '../../subgraphs/shared/logger';
import type { GlobalClient, MappingInfo } from '../globalClient';
import type { CellOutcome, GraphQLResponseBody } from './cellClient';
import type { CellEntry } from './cellDirectory';
import type { CellRequest, PlannedOperation, RootField } from './operation';

/** What one root field resolves to: its value and any errors, paths from the root. */
export interface FieldResult {
  data: unknown;
  errors: GraphQLFormattedError[];
}

/** Everything a root-field handler needs for one incoming operation. */
export interface RouterRequest {
  planned: PlannedOperation;
  field: RootField;
  identity: Identity;
  requestId: string;
  logger: Logger;
  global: GlobalClient;
  mappings: DataLoader<string, MappingInfo | null>;
  /** Every known cell. */
  cells(): Promise<CellEntry[]>;
  cell(uuid: string): Promise<CellEntry | undefined>;
  /** Sends to one cell after its schema check, counting it in metrics. Never rejects. */
  send(cell: CellEntry, request: CellRequest, timeoutMs?: number): Promise<CellOutcome<GraphQLResponseBody>>;
  /** Per-cell timeout from config. */
  timeoutMs: number;
  maxFirst: number;
}

/** The error the contract gives for an instance whose cell did not answer. */
export function cellUnavailableError(cell: CellEntry | { info: { uuid: string; name: string | null } }, path: (string | number)[], status: string, message: string): GraphQLFormattedError {
  return {
    message: `cell ${cell.info.name ?? cell.info.uuid} did not answer (${status}): ${message}`,
    path,
    extensions: { code: 'CELL_UNAVAILABLE', cellUuid: cell.info.uuid, status },
  };
}

/** An error the router raises about the request itself. */
export function routerError(code: string, message: string, path: (string | number)[], extensions: Record<string, unknown> = {}): GraphQLFormattedError {
  return { message, path, extensions: { ...extensions, code } };
}
