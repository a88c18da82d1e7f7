import { cellsError, ErrorCode } from '../../domain/errors';
import type { InstanceEventMessage } from '../../domain/instanceEvents';
import type { Logger } from '../../infrastructure/logger';
import { CellEventStream, eventTransportUrl, type ReconnectSettings, type StreamLoss } from './cellEventStream';
import { inScope, type EventScope } from './eventScope';
import { Subscriber, type InstanceEventView, type SubscriptionPayload } from './subscriber';

/** A cell as the hub needs it: where its notifications are. */
export interface EventCell {
  uuid: string;
  name: string | null;
  /** The mapping's transport_url (password masked is fine: the gateway uses its own credentials). */
  transportUrl: string | null;
}

/** What the hub asks the global subgraph (GlobalClient in the gateway, fakes in unit tests). */
export interface EventDirectory {
  cells(): Promise<EventCell[]>;
  /** Cells holding live instances of `projectId` (the cells a list of that project asks). */
  projectCells(projectId: string): Promise<string[]>;
  /** Cells the mappings place `uuids` in, of `projectId` only unless it is null. */
  instanceCells(uuids: string[], projectId: string | null): Promise<string[]>;
}

export interface EventHubSettings {
  /** Events buffered per subscriber before it is dropped (CELLS_SUBSCRIPTION_BUFFER). */
  bufferLimit: number;
  /** Subscriptions open at once on this gateway (CELLS_SUBSCRIPTIONS_MAX). */
  maxSubscriptions: number;
  /** The gateway's own broker user for every cell's vhost (CELLS_EVENTS_AMQP_USER/PASSWORD). */
  credentials: { user: string; password: string };
  reconnect: ReconnectSettings;
  /** Bound of each cell's queue on the broker (CELLS_EVENTS_QUEUE_MAX). */
  queueMaxLength: number;
  /** How often the cell directory is read again (CELLS_CELL_REFRESH_MS). */
  refreshMs: number;
}

/** Why a cell's stream stopped, as subscribers are told (the stream's losses and the directory's changes). */
type Interruption = StreamLoss | 'CELL_REMOVED' | 'CELL_REPOINTED';

const WHY: Record<Interruption, string> = {
  CONNECTION_LOST: "the gateway lost its connection to the cell's message broker",
  BROKER_UNREACHABLE: "the cell's message broker cannot be reached",
  CONSUMER_CANCELLED: "the broker cancelled the gateway's event queue",
  CELL_REMOVED: 'the cell was removed from the cell directory',
  CELL_REPOINTED: 'the cell was re-pointed to another message broker',
};

/** A subscriber and what the hub keeps for it. */
interface Listener {
  subscriber: Subscriber;
  scope: EventScope;
  /** Cells whose interruptions it is told of: every cell, or those its scope can reach (grows as events come). */
  cells: 'all' | Set<string>;
  /** Cells it was told are interrupted, so it is told when each comes back. */
  interrupted: Set<string>;
}

interface StreamEntry {
  cell: EventCell;
  url: string;
  stream: CellEventStream;
}

/**
 * Every cell's event stream, kept in step with the cell directory (a cell added,
 * re-pointed or removed while running is picked up at the next refresh, or at once
 * through refresh()), and every subscriber of this gateway. Each event goes to the
 * subscribers whose scope it falls in; when a cell's stream is lost, every subscriber
 * whose scope could include that cell is told (STREAM_INTERRUPTED, refetch), and told
 * again when it is back (STREAM_RESTORED). A subscriber that starts while a cell of its
 * scope is down is told at once.
 */
export class EventHub {
  private readonly streams = new Map<string, StreamEntry>();
  private readonly listeners = new Set<Listener>();
  /** A project's cells, read at most once per refresh interval however many subscribe. */
  private readonly projectCells = new Map<string, { at: number; cells: Promise<string[]> }>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly directory: EventDirectory,
    private readonly settings: EventHubSettings,
    private readonly logger: Logger,
  ) {}

  /** Reads the directory once and starts following it; a failure is logged, not thrown. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.settings.refreshMs);
    this.timer.unref();
  }

  /** Subscriptions open on this gateway. */
  get subscriptions(): number {
    return this.listeners.size;
  }

  /** Each known cell's stream: live or not (tests, /readyz). */
  streamStates(): { cellUuid: string; cellName: string | null; live: boolean }[] {
    return [...this.streams.values()].map((entry) => ({
      cellUuid: entry.cell.uuid,
      cellName: entry.cell.name,
      live: entry.stream.live,
    }));
  }

  /** Re-reads the cell directory and brings the streams in line; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.sync()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'event hub could not read the cells'))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /**
   * A new subscription in `scope`: refused past the gateway's limit; told at once of any
   * cell of its scope whose stream is down. `onTooSlow` and `onEnd` are the transport's.
   */
  async subscribe(
    scope: EventScope,
    hooks: { onTooSlow: (message: string) => SubscriptionPayload | null; onEnd?: () => void },
  ): Promise<Subscriber> {
    if (this.closed || this.listeners.size >= this.settings.maxSubscriptions)
      throw cellsError(
        ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `too many subscriptions on this gateway: at most ${this.settings.maxSubscriptions}`,
        { limit: 'CELLS_SUBSCRIPTIONS_MAX', value: this.settings.maxSubscriptions },
      );
    const cells = await this.cellsOf(scope);
    let listener: Listener | null = null;
    const subscriber = new Subscriber({
      bufferLimit: this.settings.bufferLimit,
      onTooSlow: hooks.onTooSlow,
      onEnd: () => {
        if (listener) this.listeners.delete(listener);
        hooks.onEnd?.();
      },
    });
    listener = { subscriber, scope, cells, interrupted: new Set() };
    // Checked again: the limit holds however many subscriptions were waiting on cellsOf.
    if (this.closed || this.listeners.size >= this.settings.maxSubscriptions) {
      subscriber.close();
      throw cellsError(
        ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `too many subscriptions on this gateway: at most ${this.settings.maxSubscriptions}`,
        { limit: 'CELLS_SUBSCRIPTIONS_MAX', value: this.settings.maxSubscriptions },
      );
    }
    this.listeners.add(listener);
    for (const entry of this.streams.values()) {
      const phase = entry.stream.phase;
      if (phase.phase === 'down') this.interrupt(listener, entry.cell, phase.reason);
    }
    return subscriber;
  }

  /** Stops every stream and ends every subscription. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
    for (const listener of [...this.listeners]) listener.subscriber.close();
    await Promise.all([...this.streams.values()].map((entry) => entry.stream.stop()));
    this.streams.clear();
  }

  private async sync(): Promise<void> {
    const cells = await this.directory.cells();
    if (this.closed) return;
    const seen = new Set<string>();
    for (const cell of cells) {
      const url = eventTransportUrl(cell.transportUrl, this.settings.credentials);
      if (!url) continue; // cell0 and cells without a broker have no events
      seen.add(cell.uuid);
      const current = this.streams.get(cell.uuid);
      if (current && current.url === url) {
        current.cell = cell; // a new name
        continue;
      }
      if (current) await this.retire(current, 'CELL_REPOINTED');
      this.open(cell, url);
    }
    for (const entry of [...this.streams.values()])
      if (!seen.has(entry.cell.uuid)) await this.retire(entry, 'CELL_REMOVED');
  }

  private open(cell: EventCell, url: string): void {
    const entry: StreamEntry = {
      cell,
      url,
      stream: new CellEventStream({
        cellUuid: cell.uuid,
        url,
        logger: this.logger,
        reconnect: this.settings.reconnect,
        queueMaxLength: this.settings.queueMaxLength,
        connectTimeoutMs: 5000,
        onEvent: (event) => this.deliver(entry.cell, event),
        onLive: () => this.restored(entry.cell),
        onLost: (reason) => void this.lost(entry.cell, reason),
      }),
    };
    this.streams.set(cell.uuid, entry);
    entry.stream.start();
  }

  // A stream that stops for good: subscribers that could see its cell are told, then it goes.
  private async retire(entry: StreamEntry, why: Interruption): Promise<void> {
    this.streams.delete(entry.cell.uuid);
    await entry.stream.stop();
    await this.lost(entry.cell, why);
  }

  private deliver(cell: EventCell, event: InstanceEventMessage): void {
    let view: InstanceEventView | null = null;
    for (const listener of this.listeners) {
      if (!inScope(listener.scope, event)) continue;
      // An event of its scope from this cell proves the cell is in its scope from now on.
      if (listener.cells !== 'all') listener.cells.add(cell.uuid);
      view ??= {
        kind: 'INSTANCE',
        eventType: event.eventType,
        cellUuid: cell.uuid,
        cellName: cell.name,
        instanceUuid: event.instanceUuid,
        projectId: event.projectId,
        userId: event.userId,
        status: event.status,
        vmState: event.vmState,
        taskState: event.taskState,
        powerState: event.powerState,
        host: event.host,
        action: event.action,
        requestId: event.requestId,
        message: null,
        occurredAt: event.occurredAt,
      };
      listener.subscriber.offer(view);
    }
  }

  private async lost(cell: EventCell, why: Interruption): Promise<void> {
    const listeners = [...this.listeners].filter((l) => !l.interrupted.has(cell.uuid));
    // Scopes are re-read for those that do not know the cell yet: it may hold their instances by now.
    await Promise.all(
      listeners.filter((l) => l.cells !== 'all' && !l.cells.has(cell.uuid)).map((l) => this.rescope(l)),
    );
    for (const listener of listeners) this.interrupt(listener, cell, why);
    // Back already while scopes were read: whoever was just told hears that too.
    if (this.streams.get(cell.uuid)?.stream.live) this.restored(cell);
  }

  private interrupt(listener: Listener, cell: EventCell, why: Interruption): void {
    if (listener.subscriber.closed || listener.interrupted.has(cell.uuid)) return;
    if (listener.cells !== 'all' && !listener.cells.has(cell.uuid)) return;
    listener.interrupted.add(cell.uuid);
    const name = cell.name ?? cell.uuid;
    listener.subscriber.offer(
      marker(
        'STREAM_INTERRUPTED',
        cell,
        `events of cell ${name} interrupted: ${WHY[why]}; events may be missed, refetch`,
      ),
    );
  }

  private restored(cell: EventCell): void {
    const name = cell.name ?? cell.uuid;
    const view = marker(
      'STREAM_RESTORED',
      cell,
      `events of cell ${name} restored; events sent while they were interrupted were not received, refetch`,
    );
    for (const listener of this.listeners) {
      if (!listener.interrupted.delete(cell.uuid)) continue;
      listener.subscriber.offer(view);
    }
  }

  // The cells a scope can reach: every cell for all projects; else those its mappings name.
  // When the global subgraph cannot say, every cell (a superset never leaves anyone untold).
  private async cellsOf(scope: EventScope): Promise<'all' | Set<string>> {
    if (scope.projectId === null && scope.uuids === null) return 'all';
    try {
      const cells = scope.uuids
        ? await this.directory.instanceCells([...scope.uuids], scope.projectId)
        : await this.cellsOfProject(scope.projectId!);
      return new Set(cells);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not read the cells of a subscription; using every cell');
      return 'all';
    }
  }

  private cellsOfProject(projectId: string): Promise<string[]> {
    const cached = this.projectCells.get(projectId);
    if (cached && Date.now() - cached.at < this.settings.refreshMs) return cached.cells;
    const cells = this.directory.projectCells(projectId);
    this.projectCells.set(projectId, { at: Date.now(), cells });
    // A failure is not remembered: the next subscriber asks again.
    cells.catch(() => this.projectCells.delete(projectId));
    if (this.projectCells.size > this.settings.maxSubscriptions) {
      const oldest = this.projectCells.keys().next().value;
      if (oldest !== undefined) this.projectCells.delete(oldest);
    }
    return cells;
  }

  private async rescope(listener: Listener): Promise<void> {
    const fresh = await this.cellsOf(listener.scope);
    if (fresh === 'all' || listener.cells === 'all') listener.cells = 'all';
    else for (const cell of fresh) listener.cells.add(cell);
  }
}

function marker(kind: 'STREAM_INTERRUPTED' | 'STREAM_RESTORED', cell: EventCell, message: string): InstanceEventView {
  return {
    kind,
    eventType: kind === 'STREAM_INTERRUPTED' ? 'cell.stream.interrupted' : 'cell.stream.restored',
    cellUuid: cell.uuid,
    cellName: cell.name,
    instanceUuid: null,
    projectId: null,
    userId: null,
    status: null,
    vmState: null,
    taskState: null,
    powerState: null,
    host: null,
    action: null,
    requestId: null,
    message,
    occurredAt: new Date().toISOString(),
  };
}
