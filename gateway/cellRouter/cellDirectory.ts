import type { Logger } from '../../infrastructure/logger';
import { CellBreaker, type CircuitPhase, type CircuitSettings } from './cellBreaker';
import { CellClient, type CellInfo, type CellOutcome } from './cellClient';
import { succeed } from '../../domain/outcome';
import { GlobalUnavailableError, type GlobalClient, type GlobalOutcome } from '../globalClient';

/** Whether a cell serves the schema the supergraph was composed from. */
export type SchemaCheck =
  | { phase: 'unchecked' }
  | { phase: 'checking'; done: Promise<CellOutcome<true> | null> }
  | { phase: 'ok' }
  | { phase: 'mismatch'; message: string; at: number };

/** A cell the router may talk to: its mapping, its client, its schema check, its circuit. */
export interface CellEntry {
  info: CellInfo;
  client: CellClient;
  schema: SchemaCheck;
  /** Lives as long as the entry: kept across refreshes, new when the cell is re-pointed. */
  breaker: CellBreaker;
  /** The last status a request to this cell ended with (for /readyz). */
  lastStatus?: { status: string; at: string; message?: string };
}

export interface CellDirectoryOptions {
  global: GlobalClient;
  timeoutMs: number;
  refreshIntervalMs: number;
  /** The SDL every cell must serve (as `_service { sdl }` prints it). */
  expectedSdl: string;
  circuit: CircuitSettings;
  logger: Logger;
  /** Called for a cell that was deleted or re-pointed (what was learnt about it is stale). */
  onCellGone?: (cellUuid: string) => void;
}

/**
 * The live set of cells, refreshed from the global subgraph's cell mappings on an
 * interval and whenever the router meets a cell it does not know, so cells that are
 * created, enabled, disabled, re-pointed or deleted are picked up without a restart.
 */
export class CellDirectory {
  private cells = new Map<string, CellEntry>();
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<GlobalOutcome<void>>;
  private loadedOnce = false;

  constructor(private readonly options: CellDirectoryOptions) {}

  /** Loads the cells once and starts the refresh interval; a failure is logged, not thrown. */
  async start(): Promise<void> {
    const loaded = await this.refresh();
    if (!loaded.ok) this.logFailure(loaded, 'initial cell mapping load failed');
    this.timer = setInterval(() => {
      void this.refresh().then((refreshed) => {
        if (!refreshed.ok) this.logFailure(refreshed, 'cell mapping refresh failed');
      });
    }, this.options.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const entry of this.cells.values()) entry.client.close();
    this.cells.clear();
  }

  /**
   * Every known cell, enabled or disabled (reads honour `disabled` only for new builds).
   * Rejects only before the cell mappings were ever read: with no cells known, there is
   * nothing to answer from.
   */
  async all(): Promise<CellEntry[]> {
    if (!this.loadedOnce) {
      const loaded = await this.refresh();
      if (!loaded.ok) throw new GlobalUnavailableError(loaded.message, loaded.reason);
    }
    return [...this.cells.values()];
  }

  /** The cell with `uuid`, refreshing the mappings once if it is not known yet (a failed refresh leaves it unknown). */
  async get(uuid: string): Promise<CellEntry | undefined> {
    if (!this.cells.has(uuid)) await this.refresh();
    return this.cells.get(uuid);
  }

  /** Whether the last refresh knew the cell `uuid` (no refresh). */
  knows(uuid: string): boolean {
    return this.cells.has(uuid);
  }

  /** Every known cell's circuit, labelled as metrics label cells (name, else uuid). */
  circuits(): { cell: string; state: CircuitPhase }[] {
    return [...this.cells.values()].map((entry) => ({
      cell: entry.info.name ?? entry.info.uuid,
      state: entry.breaker.phase(),
    }));
  }

  /** Re-reads the cell mappings; concurrent callers share one request. Never rejects: a failure is its outcome. */
  refresh(): Promise<GlobalOutcome<void>> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * A mapping changed (a notification): re-read now, and once more after a refresh
   * already under way, which may have read the mappings before the change.
   */
  refreshAfterChange(): Promise<GlobalOutcome<void>> {
    const running = this.refreshing;
    return running ? running.then(() => this.refresh()) : this.refresh();
  }

  /**
   * Null once `entry` passed its schema check; otherwise why the cell may not be used
   * now: a mismatch, or the failure of the check request itself (TIMEOUT, UNAVAILABLE).
   */
  async checkSchema(entry: CellEntry, headers: Record<string, string>): Promise<CellOutcome<true> | null> {
    const state = entry.schema;
    switch (state.phase) {
      case 'ok':
        return null;
      case 'mismatch':
        // Checked again once per circuit cool-down, as a failed cell is probed: a cell
        // re-deployed with the right schema is used again without a gateway restart.
        if (Date.now() - state.at < this.options.circuit.cooldownMs)
          return { ok: false, status: 'ERROR', message: state.message, elapsedMs: 0 };
        entry.schema = { phase: 'unchecked' };
        return this.checkSchema(entry, headers);
      case 'checking':
        return state.done;
      case 'unchecked': {
        const done = this.runSchemaCheck(entry, headers);
        entry.schema = { phase: 'checking', done };
        return done;
      }
      default: {
        const never: never = state;
        throw new Error(`unknown schema state ${JSON.stringify(never)}`);
      }
    }
  }

  // A cell that cannot be reached stays unchecked (so it is checked again next time);
  // one that answers with another schema is reported and not used.
  private async runSchemaCheck(entry: CellEntry, headers: Record<string, string>): Promise<CellOutcome<true> | null> {
    const outcome = await entry.client.send(
      { query: '{ _service { sdl } }', variables: {}, idempotent: true },
      headers,
    );
    if (!outcome.ok) {
      entry.schema = { phase: 'unchecked' };
      return outcome;
    }
    const sdl = (outcome.value.data?._service as { sdl?: string } | undefined)?.sdl;
    if (sdl === this.options.expectedSdl) {
      entry.schema = { phase: 'ok' };
      return null;
    }
    const message = 'cell serves a different schema than the supergraph expects';
    this.options.logger.error({ cell: entry.info.uuid, name: entry.info.name }, 'cell schema mismatch; cell not used');
    entry.schema = { phase: 'mismatch', message, at: Date.now() };
    return { ok: false, status: 'ERROR', message, elapsedMs: outcome.elapsedMs };
  }

  private logFailure(failure: { message: string; detail?: string }, what: string): void {
    this.options.logger.warn({ err: failure.message, detail: failure.detail }, what);
  }

  private async load(): Promise<GlobalOutcome<void>> {
    const fresh = await this.options.global.cells();
    if (!fresh.ok) return fresh;
    const seen = new Set<string>();
    for (const info of fresh.value) {
      seen.add(info.uuid);
      const current = this.cells.get(info.uuid);
      if (current && current.info.graphqlUrl === info.graphqlUrl) {
        current.info = info; // name or disabled changed: keep the connection and the check
        continue;
      }
      // New or re-pointed: a new client, checked again, with a closed circuit.
      if (current) this.forget(current);
      this.cells.set(info.uuid, {
        info,
        client: new CellClient(info, this.options.timeoutMs),
        schema: { phase: 'unchecked' },
        breaker: new CellBreaker(this.options.circuit),
      });
    }
    for (const [uuid, entry] of this.cells) {
      if (!seen.has(uuid)) {
        this.forget(entry);
        this.cells.delete(uuid);
      }
    }
    this.loadedOnce = true;
    return succeed(undefined);
  }

  private forget(entry: CellEntry): void {
    entry.client.close();
    this.options.onCellGone?.(entry.info.uuid);
  }
}
