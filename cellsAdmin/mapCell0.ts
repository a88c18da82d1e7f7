import { CELL0_NAME, CELL0_UUID } from '../domain/cell0';
import { createCell } from './createCell';
import { CellsAdminError } from './errors';
import { findCell } from './findCell';
import type { ApiClient, CellMapping } from './types';
import { NO_TRANSPORT } from './validation';

export interface MapCell0Input {
  databaseConnection: string;
  graphqlUrl: string;
}

/**
 * Creates cell0 (uuid 00000000-…, no queue), where instances that fail scheduling
 * are buried. Like `nova-manage cell_v2 map_cell0`, running it again returns the
 * existing mapping unchanged.
 */
export async function mapCell0(api: ApiClient, input: MapCell0Input): Promise<{ cell: CellMapping; created: boolean }> {
  const existing = await findCell(api, CELL0_UUID);
  if (existing) return { cell: existing, created: false };
  try {
    const cell = await createCell(api, { uuid: CELL0_UUID, name: CELL0_NAME, transportUrl: NO_TRANSPORT, ...input });
    return { cell, created: true };
  } catch (err) {
    // Another process mapped cell0 between our look-up and our insert.
    const raced = err instanceof CellsAdminError && err.field === 'uuid' ? await findCell(api, CELL0_UUID) : null;
    if (raced) return { cell: raced, created: false };
    throw err;
  }
}
