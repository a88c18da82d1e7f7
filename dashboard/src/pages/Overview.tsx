import { useQuery } from 'urql';
import { CellBadge, type CellRow } from '../cellStatus';
import { SUMMARIES_QUERY, percentUsed, summariesByCell, type CellSummaryEntry } from '../hostsApi';
import { Link } from '../router';
import { useSession } from '../session';

interface Cell {
  uuid: string;
  name: string | null;
  disabled: boolean;
  isCell0: boolean;
}

const CELLS = `query Cells { cells { uuid name disabled isCell0 } }`;

// One request per cell, so a slow cell holds up its own card only.
const CELL_INSTANCES = `query CellInstances($filter: InstanceFilter) {
  instances(first: 1000, filter: $filter) {
    edges { node { uuid status } }
    pageInfo { hasNextPage }
    cells { cellUuid cellName status message elapsedMs }
  }
}`;

/**
 * One card per cell: status from the last request, latency, instances by status, and for
 * admins the cell's hosts up/down and capacity from the per-cell summary.
 */
export function Overview() {
  const { isAdmin } = useSession();
  const [cells, refetchCells] = useQuery<{ cells: Cell[] }>({ query: CELLS });
  // One request for every cell's summary (admins only, as in Nova); a card without its
  // summary still shows its status and counts.
  const [summaries, refetchSummaries] = useQuery<unknown>({ query: SUMMARIES_QUERY, pause: !isAdmin });
  const byCell = summariesByCell(summaries.data);
  const refetch = (options: { requestPolicy: 'network-only' }) => {
    refetchCells(options);
    if (isAdmin) refetchSummaries(options);
  };
  return (
    <>
      <div className="title-row">
        <h1>Cells overview</h1>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </div>
      {cells.error && (
        <p role="alert" className="error">
          {cells.error.message}
        </p>
      )}
      <ul className="cards" aria-busy={cells.fetching}>
        {(cells.data?.cells ?? []).map((cell) => (
          <CellCard
            key={cell.uuid}
            cell={cell}
            summary={
              isAdmin
                ? {
                    entry: byCell.get(cell.uuid) ?? null,
                    fetching: summaries.fetching,
                    error: summaries.error?.message,
                  }
                : null
            }
          />
        ))}
      </ul>
    </>
  );
}

interface SummaryState {
  entry: CellSummaryEntry | null;
  fetching: boolean;
  error: string | undefined;
}

function CellCard({ cell, summary }: { cell: Cell; summary: SummaryState | null }) {
  const { isAdmin } = useSession();
  const [result] = useQuery<{
    instances: { edges: { node: { status: string } }[]; pageInfo: { hasNextPage: boolean }; cells: CellRow[] };
  }>({ query: CELL_INSTANCES, variables: { filter: { cellUuid: cell.uuid, allProjects: isAdmin || null } } });
  const answer = result.data?.instances;
  const row = answer?.cells.find((r) => r.cellUuid === cell.uuid);
  const counts = new Map<string, number>();
  if (row?.status === 'OK')
    for (const edge of answer!.edges) counts.set(edge.node.status, (counts.get(edge.node.status) ?? 0) + 1);
  const total = row?.status === 'OK' ? answer!.edges.length : null;
  const name = cell.name ?? cell.uuid;
  return (
    <li className="card" data-testid="cell-card" data-cell={name} data-status={row?.status ?? 'LOADING'}>
      <h2>
        <Link href={`/instances?cell=${cell.uuid}`}>{name}</Link>
        {cell.isCell0 && <span className="tag">cell0: failed builds</span>}
        {cell.disabled && <span className="tag">disabled</span>}
      </h2>
      <div className="card-status">
        {row ? (
          <CellBadge row={row} />
        ) : result.error ? (
          <span className="badge cell-error">ERROR</span>
        ) : (
          <span className="progress" role="progressbar" aria-label={`waiting for ${name}`} />
        )}
        <span className="latency">{row?.elapsedMs != null ? `${Math.round(row.elapsedMs)} ms` : '\u00a0'}</span>
      </div>
      <p className="message">{row && row.status !== 'OK' ? row.message : (result.error?.message ?? '\u00a0')}</p>
      <dl className="counts" aria-label={`instances in ${name} by status`}>
        <div>
          <dt>Instances</dt>
          <dd data-testid="cell-total">
            {total === null ? '–' : `${total}${answer!.pageInfo.hasNextPage ? '+' : ''}`}
          </dd>
        </div>
        {[...counts.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, count]) => (
            <div key={status}>
              <dt>{status}</dt>
              <dd>{count}</dd>
            </div>
          ))}
      </dl>
      {summary && <CellHosts name={name} state={summary} />}
    </li>
  );
}

const BARS = [
  { label: 'vCPUs', used: 'vcpusUsed', total: 'vcpus', unit: '' },
  { label: 'Memory', used: 'memoryMbUsed', total: 'memoryMb', unit: ' MB' },
  { label: 'Disk', used: 'localGbUsed', total: 'localGb', unit: ' GB' },
] as const;

/** Hosts up and down and capacity bars; without a summary, why (the cell's status), same height. */
function CellHosts({ name, state }: { name: string; state: SummaryState }) {
  const summary = state.entry?.summary;
  if (!summary) {
    const why = state.entry
      ? `${state.entry.row.status}${state.entry.row.message ? `: ${state.entry.row.message}` : ''}`
      : state.fetching
        ? 'loading…'
        : (state.error ?? 'not in the answer');
    return (
      <div className="capacity" data-testid="cell-capacity" data-summary="missing">
        <p className="hosts-count">Hosts and capacity: {why}</p>
      </div>
    );
  }
  return (
    <div className="capacity" data-testid="cell-capacity" data-summary="ok">
      <p className="hosts-count" data-testid="cell-hosts">
        Hosts: <strong>{summary.hostsUp} up</strong>, <strong>{summary.hostsDown} down</strong>
        {summary.hostsDown > 0 && <span aria-hidden="true"> {'\u26a0'}</span>}
      </p>
      {BARS.map((bar) => {
        const used = summary.capacity[bar.used];
        const total = summary.capacity[bar.total];
        const id = `capacity-${name}-${bar.total}`;
        return (
          <div key={bar.total}>
            <label htmlFor={id}>
              <span>{bar.label}</span>
              <span>
                {used} / {total}
                {bar.unit} ({percentUsed(used, total)}%)
              </span>
            </label>
            <meter id={id} min={0} max={Math.max(total, 1)} value={used} high={Math.max(total, 1) * 0.9} />
          </div>
        );
      })}
    </div>
  );
}
