import { useEffect, useState } from 'react';
import { useClient, useQuery, useSubscription } from 'urql';
import { StatusBadge } from '../cellStatus';
import { Link } from '../router';
import { useSession } from '../session';

const INSTANCE = `query Instance($uuid: ID!) {
  instance(uuid: $uuid) {
    uuid displayName status vmState taskState powerStateName projectId userId host availabilityZone
    locked lockedBy createdAt updatedAt launchedAt imageRef keyName
    flavor { name vcpus memoryMb rootGb }
    cell { name }
    metadata { key value }
    faults { code message createdAt }
    actions { action requestId startTime finishTime message events { event result startTime finishTime } }
  }
}`;

const EVENTS = `subscription Events($filter: InstanceEventFilter) {
  instanceEvents(filter: $filter) {
    kind eventType instanceUuid status taskState cellName action requestId message occurredAt
  }
}`;

interface InstanceEvent {
  kind: 'INSTANCE' | 'STREAM_INTERRUPTED' | 'STREAM_RESTORED';
  eventType: string;
  instanceUuid: string | null;
  status: string | null;
  taskState: string | null;
  cellName: string | null;
  action: string | null;
  requestId: string | null;
  message: string | null;
  occurredAt: string;
}

interface Instance {
  uuid: string;
  displayName: string | null;
  status: string;
  vmState: string | null;
  taskState: string | null;
  powerStateName: string | null;
  projectId: string | null;
  userId: string | null;
  host: string | null;
  availabilityZone: string | null;
  locked: boolean | null;
  lockedBy: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  launchedAt: string | null;
  imageRef: string | null;
  keyName: string | null;
  flavor: { name: string; vcpus: number; memoryMb: number; rootGb: number } | null;
  cell: { name: string | null } | null;
  metadata: { key: string; value: string | null }[] | null;
  faults: { code: number; message: string | null; createdAt: string }[] | null;
  actions:
    | {
        action: string | null;
        requestId: string | null;
        startTime: string | null;
        finishTime: string | null;
        message: string | null;
        events: { event: string | null; result: string | null; startTime: string | null; finishTime: string | null }[];
      }[]
    | null;
}

const ACTIONS = [
  { label: 'Reboot', mutation: 'rebootInstance' },
  { label: 'Stop', mutation: 'stopInstance' },
  { label: 'Start', mutation: 'startInstance' },
  { label: 'Lock', mutation: 'lockInstance' },
  { label: 'Unlock', mutation: 'unlockInstance' },
  { label: 'Delete', mutation: 'deleteInstance' },
] as const;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** One instance: metadata, faults, actions and their events, action buttons, live updates. */
export function InstanceDetail({ uuid }: { uuid: string }) {
  const { isAdmin } = useSession();
  const [result, refetch] = useQuery<{ instance: Instance | null }>({ query: INSTANCE, variables: { uuid } });
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const client = useClient();
  // Each event: shown in the live list, and the instance read again (its actions and events changed too).
  const [live] = useSubscription<{ instanceEvents: InstanceEvent }, InstanceEvent[]>(
    { query: EVENTS, variables: { filter: { uuids: [uuid], ...(isAdmin ? { allProjects: true } : {}) } } },
    (events = [], data) => [data.instanceEvents, ...events].slice(0, 50),
  );
  useEffect(() => {
    if (live.data?.length) refetch({ requestPolicy: 'network-only' });
  }, [live.data, refetch]);

  const instance = result.data?.instance;
  const run = async (label: string, mutation: string) => {
    if (mutation === 'deleteInstance' && !window.confirm(`Delete ${instance?.displayName ?? uuid}?`)) return;
    setOutcome(null);
    const answer = await client
      .mutation(`mutation Act($uuid: ID!) { ${mutation}(uuid: $uuid) { action requestId } }`, { uuid })
      .toPromise();
    if (answer.error) {
      const refusal = answer.error.graphQLErrors[0]?.message ?? answer.error.message;
      setOutcome({ ok: false, text: `${label} refused: ${refusal}` });
    } else {
      const payload = (answer.data as Record<string, { requestId: string }>)[mutation];
      setOutcome({ ok: true, text: `${label} accepted (request ${payload.requestId}); waiting for the compute host…` });
    }
  };

  const partial = result.error?.graphQLErrors.find((e) => e.extensions?.code === 'CELL_UNAVAILABLE');
  return (
    <>
      <p>
        <Link href="/instances">← Instances</Link>
      </p>
      <div className="title-row">
        <h1>{instance?.displayName ?? uuid}</h1>
        {instance && <StatusBadge status={instance.status} />}
      </div>
      {result.fetching && !instance && <span className="progress bar" role="progressbar" aria-label="loading" />}
      {result.error && (
        <p role="alert" className={partial ? 'banner' : 'error'}>
          {partial ? `Its cell did not answer: only what the API database knows is shown. ` : ''}
          {result.error.graphQLErrors.map((e) => e.message).join('; ') || result.error.message}
        </p>
      )}
      {result.data && !instance && <p className="error">No such instance (or not in your project).</p>}
      {instance && (
        <>
          <div className="actions" role="group" aria-label="Actions">
            {ACTIONS.map(({ label, mutation }) => (
              <button key={mutation} type="button" onClick={() => void run(label, mutation)}>
                {label}
              </button>
            ))}
          </div>
          <p role="status" className={outcome && !outcome.ok ? 'error' : 'hint'} data-testid="action-outcome">
            {outcome?.text ?? '\u00a0'}
          </p>
          <div className="detail-grid">
            <section aria-labelledby="meta-heading">
              <h2 id="meta-heading">Instance</h2>
              <dl className="facts">
                {(
                  [
                    ['UUID', instance.uuid],
                    ['Status', instance.status],
                    ['VM state', instance.vmState],
                    ['Task state', instance.taskState ?? '—'],
                    ['Power state', instance.powerStateName],
                    ['Locked', instance.locked ? `yes (${instance.lockedBy ?? 'by someone'})` : 'no'],
                    ['Project', instance.projectId],
                    ['User', instance.userId],
                    ['Host', instance.host],
                    ['Cell', instance.cell?.name],
                    ['Availability zone', instance.availabilityZone],
                    [
                      'Flavor',
                      instance.flavor &&
                        `${instance.flavor.name} (${instance.flavor.vcpus} vCPU, ${instance.flavor.memoryMb} MB, ${instance.flavor.rootGb} GB)`,
                    ],
                    ['Image', instance.imageRef],
                    ['Key pair', instance.keyName],
                    ['Created', when(instance.createdAt)],
                    ['Launched', when(instance.launchedAt)],
                    ['Updated', when(instance.updatedAt)],
                  ] as [string, string | null | undefined][]
                ).map(([term, value]) => (
                  <div key={term}>
                    <dt>{term}</dt>
                    <dd data-testid={`fact-${term.toLowerCase().replace(/ /g, '-')}`}>{value ?? '—'}</dd>
                  </div>
                ))}
              </dl>
              <h3>Metadata</h3>
              {instance.metadata?.length ? (
                <dl className="facts">
                  {instance.metadata.map((m) => (
                    <div key={m.key}>
                      <dt>{m.key}</dt>
                      <dd>{m.value}</dd>
                    </div>
                  ))}
                </dl>
              ) : (
                <p className="hint">none</p>
              )}
              <h3>Faults</h3>
              {instance.faults?.length ? (
                <ul>
                  {instance.faults.map((f, i) => (
                    <li key={i}>
                      {f.code}: {f.message} <span className="hint">({when(f.createdAt)})</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="hint">none</p>
              )}
            </section>
            <section aria-labelledby="actions-heading">
              <h2 id="actions-heading">Actions</h2>
              <ol className="action-list" data-testid="action-list">
                {(instance.actions ?? []).map((a, i) => (
                  <li key={a.requestId ?? i}>
                    <strong>{a.action}</strong> <span className="hint">{when(a.startTime)}</span>
                    {a.message && <span className="error"> {a.message}</span>}
                    <ul>
                      {a.events.map((e, j) => (
                        <li key={j}>
                          {e.event}: {e.result ?? 'in progress'}
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ol>
              <h2 id="live-heading">Live events</h2>
              <p className="hint">{live.error ? `subscription failed: ${live.error.message}` : 'subscribed'}</p>
              <ol className="events" aria-labelledby="live-heading" aria-live="polite" data-testid="live-events">
                {(live.data ?? []).map((e, i) => (
                  <li key={`${e.occurredAt}-${i}`} className={e.kind === 'INSTANCE' ? '' : 'marker'}>
                    <code>{e.eventType}</code> {e.status ?? ''} {e.taskState ? `(${e.taskState})` : ''}{' '}
                    <span className="hint">{new Date(e.occurredAt).toLocaleTimeString()}</span>
                    {e.message && <span> {e.message}</span>}
                  </li>
                ))}
              </ol>
            </section>
          </div>
        </>
      )}
    </>
  );
}
