/** One cell's row of a list answer (InstanceConnection.cells). */
export interface CellRow {
  cellUuid: string;
  cellName: string | null;
  status: 'OK' | 'TIMEOUT' | 'UNAVAILABLE' | 'ERROR';
  message: string | null;
  elapsedMs: number | null;
}
