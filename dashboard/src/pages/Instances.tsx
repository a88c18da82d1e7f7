import { useRef, useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { CellBadge, StatusBadge, type CellRow } from '../cellStatus';
import { PageSizeSelect } from '../pageSize';
import { Link, useLocation } from '../router';
import { useSession } from '../session';

const INSTANCES = `query Instances($filter: InstanceFilter, $sort: [InstanceSort!], $first: Int, $after: String) {
  instances(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { uuid displayName status projectId host createdAt cell { uuid name } } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellUuid cellName status message elapsedMs }
  }
  cells { uuid name }
}`;

interface Row {
  uuid: string;
  displayName: string | null;
  status: string;
  projectId: string | null;
  host: string | null;
  createdAt: string | null;
  cell: { uuid: string; name: string | null } | null;
}

interface Filters {
  project: string;
  status: string;
  name: string;
  host: string;
  cell: string;
  sort: string;
  size: number;
}

const STATUSES = ['ACTIVE', 'SHUTOFF', 'BUILD', 'REBOOT', 'ERROR', 'PAUSED', 'SUSPENDED', 'DELETED'];
const SORTS: Record<string, { key: string; direction: string } | null> = {
  default: null,
  'name-asc': { key: 'DISPLAY_NAME', direction: 'ASC' },
  'name-desc': { key: 'DISPLAY_NAME', direction: 'DESC' },
  'created-asc': { key: 'CREATED_AT', direction: 'ASC' },
  'updated-desc': { key: 'UPDATED_AT', direction: 'DESC' },
};

/** The instance table: filters, sort, cursor paging, and the cells that did not answer. */
export function Instances() {
  const { isAdmin } = useSession();
  const { search } = useLocation();
  const [draft, setDraft] = useState<Filters>(() => ({
    project: search.get('project') ?? '',
    status: search.get('status') ?? '',
    name: search.get('name') ?? '',
    host: search.get('host') ?? '',
    cell: search.get('cell') ?? '',
    sort: search.get('sort') ?? 'default',
    size: Number(search.get('size') ?? 25) || 25,
  }));
  const [applied, setApplied] = useState(draft);
  // Cursors of the pages before this one: "Previous" pops one.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];

  const filter = {
    ...(isAdmin && !applied.project ? { allProjects: true } : {}),
    ...(applied.project ? { projectId: applied.project } : {}),
    ...(applied.status ? { status: applied.status } : {}),
    ...(applied.name ? { name: applied.name } : {}),
    ...(applied.host ? { host: applied.host } : {}),
    ...(applied.cell ? { cellUuid: applied.cell } : {}),
  };
  const sort = SORTS[applied.sort];
  const [result, refetch] = useQuery<{
    instances: {
      edges: { cursor: string; node: Row }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      complete: boolean;
      cells: CellRow[];
    };
    cells: { uuid: string; name: string | null }[];
  }>({
    query: INSTANCES,
    variables: { filter, sort: sort ? [sort] : null, first: applied.size, after },
  });
  // Keep the last answer on screen while the next loads: no layout jumps.
  const last = useRef(result.data);
  if (result.data) last.current = result.data;
  const data = result.data ?? last.current;
  const answer = data?.instances;
  const failed = answer?.cells.filter((c) => c.status !== 'OK') ?? [];

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
    setCursors([null]);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(draft)) if (value && value !== 'default') params.set(key, String(value));
    history.replaceState(null, '', `/instances${params.size ? `?${params}` : ''}`);
  };
  const field = (key: Exclude<keyof Filters, 'size'>) => ({
    id: `filter-${key}`,
    value: String(draft[key]),
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }),
  });

  return (
    <>
      <div className="title-row">
        <h1>Instances</h1>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filters">
        {isAdmin && (
          <div>
            <label htmlFor="filter-project">Project</label>
            <input {...field('project')} placeholder="all projects" />
          </div>
        )}
        <div>
          <label htmlFor="filter-status">Status</label>
          <select {...field('status')}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-name">Name (regular expression)</label>
          <input {...field('name')} />
        </div>
        <div>
          <label htmlFor="filter-host">Host</label>
          <input {...field('host')} />
        </div>
        <div>
          <label htmlFor="filter-cell">Cell</label>
          <select {...field('cell')}>
            <option value="">every cell</option>
            {(data?.cells ?? []).map((c) => (
              <option key={c.uuid} value={c.uuid}>
                {c.name ?? c.uuid}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-sort">Sort</label>
          <select {...field('sort')}>
            <option value="default">newest first (default)</option>
            <option value="name-asc">name A→Z</option>
            <option value="name-desc">name Z→A</option>
            <option value="created-asc">oldest first</option>
            <option value="updated-desc">recently updated</option>
          </select>
        </div>
        <PageSizeSelect size={draft.size} onChange={(size) => setDraft({ ...draft, size })} />
        <button type="submit">Apply</button>
      </form>

      <div className="banner-slot">
        {answer && !answer.complete && (
          <div role="alert" className="banner" data-testid="incomplete-banner">
            <strong>Incomplete answer.</strong> {failed.length === 1 ? 'Cell' : 'Cells'}{' '}
            {failed.map((c) => c.cellName ?? c.cellUuid).join(', ')} did not answer in full. Their instances are missing
            from this page, or shown as UNKNOWN with only what the API database knows (uuid, project, created); actions
            on them fail until the cell is back.
          </div>
        )}
      </div>
      <ul className="cell-rows" aria-label="Cells asked">
        {(answer?.cells ?? []).map((c) => (
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
        {result.fetching && <span className="progress bar" role="progressbar" aria-label="loading instances" />}
        <table>
          <caption className="visually-hidden">Instances, page {cursors.length}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Project</th>
              <th scope="col">Host</th>
              <th scope="col">Cell</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {(answer?.edges ?? []).map(({ node }) => (
              <tr
                key={node.uuid}
                data-uuid={node.uuid}
                data-testid="instance-row"
                className={node.status === 'UNKNOWN' ? 'unknown' : undefined}
                title={node.status === 'UNKNOWN' ? 'Its cell did not answer: only what the API database knows' : ''}
              >
                <td>
                  <Link href={`/instances/${node.uuid}`}>{node.displayName ?? node.uuid}</Link>
                </td>
                <td>
                  <StatusBadge status={node.status} />
                </td>
                <td>{node.projectId}</td>
                <td>{node.host ?? '—'}</td>
                <td>{node.cell?.name ?? '—'}</td>
                <td>{node.createdAt ? new Date(node.createdAt).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {answer && answer.edges.length === 0 && <p className="empty">No instances match.</p>}
      </div>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span data-testid="page-number">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!answer?.pageInfo.hasNextPage || result.fetching}
          onClick={() => setCursors([...cursors, answer!.pageInfo.endCursor])}
        >
          Next
        </button>
      </nav>
    </>
  );
}
