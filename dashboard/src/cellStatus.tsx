import type { CellRow } from './cellRow';

export type { CellRow };

/** A cell's status as a badge: the router's status, and "circuit open" when its message says so. */
export function CellBadge({ row }: { row: CellRow }) {
  const circuit = row.message?.startsWith('circuit open') ? ' · circuit open' : '';
  return (
    <span className={`badge cell-${row.status.toLowerCase()}`} data-status={row.status}>
      {row.status}
      {circuit}
    </span>
  );
}

/** Nova's API status as a badge; UNKNOWN stands out. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}
