import { useQuery } from 'urql';
import { CellBadge, type CellRow } from '../cellStatus';
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

/** One card per cell: status from the last request, latency, instances by status. */
export function Overview() {
  const [cells, refetch] = useQuery<{ cells: Cell[] }>({ query: CELLS });
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
          <CellCard key={cell.uuid} cell={cell} />
        ))}
      </ul>
    </>
  );
}

function CellCard({ cell }: { cell: Cell }) {
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
    </li>
  );
}
