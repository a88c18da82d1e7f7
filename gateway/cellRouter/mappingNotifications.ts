import { Client } from 'pg';
import type { Logger } from '../../infrastructure/logger';

/** The channel the API database's triggers notify on (prisma/api/migrations/0002_mapping_notify). */
export const MAPPING_CHANNEL = 'cells_mappings';

/** One change the API database told of: a cell mapping, or an instance mapping that named a cell. */
export type MappingChange = { kind: 'cell'; uuid: string } | { kind: 'instance'; uuid: string };

export interface MappingNotificationsOptions {
  /** The API database (its LISTEN connection is the only one the gateway opens there). */
  databaseUrl: string;
  /** A cell mapping was created, changed or deleted: re-read the cells. */
  onCellChange(uuid: string): void;
  /** An instance mapping that named a cell changed or went: forget it. */
  onInstanceChange(uuid: string): void;
  /** The connection was (re)made after a loss: what changed meanwhile is unknown, so drop it all. */
  onResync(): void;
  logger: Logger;
  /** Reconnect backoff: from minMs, doubling up to maxMs. */
  reconnect?: { minMs: number; maxMs: number };
}

export type ListenerPhase = 'connecting' | 'listening' | 'lost' | 'closed';

const APPLICATION_NAME = 'cells-gateway-mappings';

/**
 * What lets gateway replicas agree at once: one LISTEN connection per gateway on the
 * API database. Any gateway (or the CLI) that changes a mapping makes the database
 * notify every listener when the change commits. Notifications sent while a listener
 * is away are lost, so every (re)connection after the first is a resync: re-read the
 * cells, forget every cached instance mapping. The directory's refresh interval stays
 * the floor when the database cannot be reached at all.
 */
export class MappingNotifications {
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private delayMs: number;
  private connectedOnce = false;
  private current: ListenerPhase = 'connecting';
  /** Notifications received, by kind, and resyncs done (for metrics and tests). */
  readonly stats = { cell: 0, instance: 0, resyncs: 0, malformed: 0 };

  constructor(private readonly options: MappingNotificationsOptions) {
    this.delayMs = this.backoff.minMs;
  }

  /** Connects in the background; a failure is logged and retried, never thrown. */
  start(): void {
    void this.connect();
  }

  phase(): ListenerPhase {
    return this.current;
  }

  async close(): Promise<void> {
    this.current = 'closed';
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private get backoff(): { minMs: number; maxMs: number } {
    return this.options.reconnect ?? { minMs: 500, maxMs: 15000 };
  }

  private async connect(): Promise<void> {
    if (this.current === 'closed') return;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 5000,
      // A peer that vanished without a FIN is noticed by TCP keep-alive, not by waiting.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10000,
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => this.receive(message.payload));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${MAPPING_CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.client !== client) return;
    this.current = 'listening';
    this.delayMs = this.backoff.minMs;
    if (this.connectedOnce) {
      this.stats.resyncs++;
      this.options.logger.info('mapping notifications back: re-reading cells and forgetting cached mappings');
      this.options.onResync();
    }
    this.connectedOnce = true;
  }

  // Once per connection: drop it, and try again after the backoff.
  private lost(client: Client, err: Error): void {
    if (this.client !== client || this.current === 'closed') return;
    this.client = undefined;
    this.current = 'lost';
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    this.options.logger.warn(
      { err: err.message, retryInMs: this.delayMs },
      'mapping notifications lost; the cell refresh interval covers the gap',
    );
    this.timer = setTimeout(() => void this.connect(), this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
  }

  private receive(payload: string | undefined): void {
    const change = parseChange(payload);
    if (!change) {
      this.stats.malformed++;
      this.options.logger.warn({ payload }, 'mapping notification not understood; ignored');
      return;
    }
    this.stats[change.kind]++;
    if (change.kind === 'cell') this.options.onCellChange(change.uuid);
    else this.options.onInstanceChange(change.uuid);
  }
}

/** A notification's payload as the triggers write it, or null for anything else. */
export function parseChange(payload: string | undefined): MappingChange | null {
  if (!payload || payload.length > 1000) return null;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { kind, uuid } = value as { kind?: unknown; uuid?: unknown };
  if ((kind !== 'cell' && kind !== 'instance') || typeof uuid !== 'string' || uuid.length === 0 || uuid.length > 64)
    return null;
  return { kind, uuid };
}
