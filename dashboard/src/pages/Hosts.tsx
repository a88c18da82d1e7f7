import { useRef, useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { CellBadge } from '../cellStatus';
import { PageSizeSelect } from '../pageSize';
import {
  HOSTS_QUERY,
  SERVICE_STATES,
  hostsVariables,
  joinHosts,
  missingCells,
  type HostFilters,
  type HostsAnswer,
  type ServiceState,
} from '../hostsApi';
import { useLocation } from '../router';
import { useSession } from '../session';

const STATE_TEXT: Record<ServiceState, { icon: string; title: string }> = {
  UP: { icon: '\u2713', title: 'Reported within the down time' },
  DOWN: { icon: '\u2717', title: 'No report within the down time, or forced down' },
  UNKNOWN: { icon: '?', title: 'Its cell did not answer: only the host mapping is known' },
};

/** A service's state as text and a symbol, so it does not rest on colour alone. */
function StateBadge({ state }: { state: ServiceState }) {
  const { icon, title } = STATE_TEXT[state];
  return (
    <span className={`badge state-${state.toLowerCase()}`} data-testid="host-state" title={title}>
      <span aria-hidden="true">{icon} </span>
      {state}
    </span>
  );
}

const used = (value: number | undefined, total: number | undefined, unit = '') =>
  value === undefined || total === undefined ? '—' : `${value} / ${total}${unit}`;

/** The federated compute services and nodes, one row per service joined with its host's node. */
export function Hosts() {
  const { isAdmin } = useSession();
  const { search } = useLocation();
  const [draft, setDraft] = useState<HostFilters & { size: number }>(() => ({
    host: search.get('host') ?? '',
    state: (SERVICE_STATES as readonly string[]).includes(search.get('state') ?? '')
      ? (search.get('state') as ServiceState)
      : '',
    binary: search.get('binary') ?? '',
    size: Number(search.get('size') ?? 25) || 25,
  }));
  const [applied, setApplied] = useState(draft);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const [result, refetch] = useQuery<HostsAnswer>({
    query: HOSTS_QUERY,
    variables: hostsVariables(applied, applied.size, after),
    pause: !isAdmin,
  });
  // Keep the last answer on screen while the next loads: no layout jumps.
  const last = useRef(result.data);
  if (result.data) last.current = result.data;
  const answer = result.data ?? last.current;
  const rows = answer ? joinHosts(answer) : [];
  const failed = answer ? missingCells(answer) : [];
  const complete = answer ? answer.computeServices.complete && answer.computeNodes.complete : true;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
    setCursors([null]);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(draft)) if (value) params.set(key, String(value));
    history.replaceState(null, '', `/hosts${params.size ? `?${params}` : ''}`);
  };

  if (!isAdmin)
    return (
      <>
        <h1>Hosts</h1>
        <p role="alert" className="error">
          Hosts and services are for admins only, as in Nova. Sign in with an admin token.
        </p>
      </>
    );

  return (
    <>
      <div className="title-row">
        <h1>Hosts</h1>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filters">
        <div>
          <label htmlFor="filter-host">Host</label>
          <input id="filter-host" value={draft.host} onChange={(e) => setDraft({ ...draft, host: e.target.value })} />
        </div>
        <div>
          <label htmlFor="filter-state">State</label>
          <select
            id="filter-state"
            value={draft.state}
            onChange={(e) => setDraft({ ...draft, state: e.target.value as HostFilters['state'] })}
          >
            <option value="">any</option>
            {SERVICE_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-binary">Service</label>
          <select
            id="filter-binary"
            value={draft.binary}
            onChange={(e) => setDraft({ ...draft, binary: e.target.value })}
          >
            <option value="">every service</option>
            <option value="nova-compute">nova-compute</option>
          </select>
        </div>
        <PageSizeSelect size={draft.size} onChange={(size) => setDraft({ ...draft, size })} />
        <button type="submit">Apply</button>
      </form>

      <div className="banner-slot">
        {answer && !complete && (
          <div role="alert" className="banner" data-testid="incomplete-banner">
            <strong>Incomplete answer.</strong> {failed.length === 1 ? 'Cell' : 'Cells'}{' '}
            {failed.map((c) => c.cellName ?? c.cellUuid).join(', ')} did not answer in full. Their hosts are listed as
            UNKNOWN from the API database's host mappings, with no heartbeat, flags or capacity; whether they are up
            cannot be told until the cell answers.
          </div>
        )}
      </div>
      <ul className="cell-rows" aria-label="Cells asked">
        {(answer?.computeServices.cells ?? []).map((c) => (
          <li key={c.cellUuid} data-testid="cell-row" data-cell={c.cellName ?? c.cellUuid} data-status={c.status}>
            {c.cellName ?? c.cellUuid} <CellBadge row={c} />{' '}
            <span className="latency">{c.elapsedMs != null ? `${Math.round(c.elapsedMs)} ms` : ''}</span>
            {c.status !== 'OK' && <span className="message"> {c.message}</span>}
          </li>
        ))}
      </ul>
      {result.error && (
        <p role="alert" className="error">
          {result.error.message}
        </p>
      )}

      <div className="table-wrap" aria-busy={result.fetching}>
        {result.fetching && <span className="progress bar" role="progressbar" aria-label="loading hosts" />}
        <table>
          <caption className="visually-hidden">Hosts and their services, page {cursors.length}</caption>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">State</th>
              <th scope="col">Service</th>
              <th scope="col">Cell</th>
              <th scope="col">Disabled</th>
              <th scope="col">Last report</th>
              <th scope="col">vCPUs used</th>
              <th scope="col">Memory used</th>
              <th scope="col">Disk used</th>
              <th scope="col">Running VMs</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ key, cellName, service, node }) => (
              <tr
                key={key}
                data-testid="host-row"
                data-host={service.host ?? ''}
                data-state={service.state}
                className={`host-${service.state.toLowerCase()}`}
              >
                <th scope="row">{service.host ?? '—'}</th>
                <td>
                  <StateBadge state={service.state} />
                  {service.forcedDown && <span className="tag">forced down</span>}
                </td>
                <td>{service.binary ?? '—'}</td>
                <td>{cellName}</td>
                <td>
                  {service.disabled
                    ? `yes${service.disabledReason ? `: ${service.disabledReason}` : ''}`
                    : service.state === 'UNKNOWN'
                      ? '—'
                      : 'no'}
                </td>
                <td>{service.lastSeenUp ? new Date(service.lastSeenUp).toLocaleString() : '—'}</td>
                <td>{used(node?.vcpusUsed, node?.vcpus)}</td>
                <td>{used(node?.memoryMbUsed, node?.memoryMb, ' MB')}</td>
                <td>{used(node?.localGbUsed, node?.localGb, ' GB')}</td>
                <td>{node ? node.runningVms : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {answer && rows.length === 0 && <p className="empty">No hosts match.</p>}
      </div>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span data-testid="page-number">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!answer?.computeServices.pageInfo.hasNextPage || result.fetching}
          onClick={() => setCursors([...cursors, answer!.computeServices.pageInfo.endCursor])}
        >
          Next
        </button>
      </nav>
    </>
  );
}
