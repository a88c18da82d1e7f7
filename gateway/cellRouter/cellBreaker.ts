import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
} from 'cockatiel';

/** The failures that count towards opening a circuit: the cell did not answer. */
export type CircuitFailureStatus = 'TIMEOUT' | 'UNAVAILABLE';

export type CircuitPhase = 'closed' | 'open' | 'half-open';

export interface CircuitSettings {
  /** Consecutive TIMEOUT/UNAVAILABLE answers that open the circuit; 0 never opens it. */
  failures: number;
  /** How long an open circuit skips the cell before one probe request goes through. */
  cooldownMs: number;
}

/** A circuit as /readyz and /metrics show it. */
export interface CircuitSnapshot {
  state: CircuitPhase;
  /** When the circuit opened for this outage (a failed probe does not move it); null while closed. */
  since: string | null;
  /** Consecutive TIMEOUT/UNAVAILABLE answers, failed probes included; a success resets it. */
  failures: number;
  lastFailure: CircuitFailureStatus | null;
  /** When the next probe may go through (null while closed or probing). */
  nextProbeAt: string | null;
}

/** What a call through the breaker came to: the call's own result, or skipped without a request. */
export type Guarded<T> = { ran: true; result: T } | { ran: false; status: CircuitFailureStatus; message: string };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One cell's circuit (cockatiel's consecutive breaker). After `failures` TIMEOUT or
 * UNAVAILABLE answers in a row it opens: calls are skipped at once, with a message
 * saying since when and when the cell is next tried. After `cooldownMs` one call goes
 * through as the probe; while it is in flight every other call is skipped too (cockatiel
 * would make them wait for it). A probe that succeeds closes the circuit; one that fails
 * opens it for another cool-down.
 */
export class CellBreaker {
  private readonly policy: CircuitBreakerPolicy | null;
  private consecutive = 0;
  private lastFailure: CircuitFailureStatus | null = null;
  private openedSince: number | null = null;
  private lastOpenedAt = 0;
  private probeSince = 0;

  constructor(private readonly settings: CircuitSettings) {
    if (settings.failures <= 0) {
      this.policy = null;
      return;
    }
    this.policy = circuitBreaker(
      handleWhenResult((r) => (r as { failure: CircuitFailureStatus | null }).failure !== null),
      { halfOpenAfter: settings.cooldownMs, breaker: new ConsecutiveBreaker(settings.failures) },
    );
    this.policy.onBreak(() => {
      this.lastOpenedAt = Date.now();
      this.openedSince ??= this.lastOpenedAt;
    });
    this.policy.onHalfOpen(() => void (this.probeSince = Date.now()));
    this.policy.onReset(() => void (this.openedSince = null));
  }

  /**
   * Runs `call` unless the circuit is open; `failureOf` says whether its result is a
   * failure that counts. `call` must not reject (outcomes are data).
   */
  async run<T>(call: () => Promise<T>, failureOf: (result: T) => CircuitFailureStatus | null): Promise<Guarded<T>> {
    if (!this.policy) return { ran: true, result: await call() };
    const skipped = this.skipped();
    if (skipped) return skipped;
    try {
      const { result } = await this.policy.execute(async () => {
        const result = await call();
        const failure = failureOf(result);
        this.record(failure);
        return { result, failure };
      });
      return { ran: true, result };
    } catch (err) {
      // Opened by a concurrent call between the check above and execute.
      if (err instanceof BrokenCircuitError)
        return this.skipped() ?? { ran: false, status: this.lastFailure ?? 'UNAVAILABLE', message: 'circuit open' };
      throw err;
    }
  }

  /** Whether a call now would be skipped without asking the cell: open within the cool-down, or half-open with the probe in flight. */
  skips(): boolean {
    const phase = this.phase();
    if (phase === 'closed') return false;
    return phase === 'half-open' || Date.now() < this.lastOpenedAt + this.settings.cooldownMs; // else: this call is the probe
  }

  snapshot(): CircuitSnapshot {
    const state = this.phase();
    return {
      state,
      since: this.openedSince === null ? null : iso(this.openedSince),
      failures: this.consecutive,
      lastFailure: this.lastFailure,
      nextProbeAt: state === 'open' ? iso(this.lastOpenedAt + this.settings.cooldownMs) : null,
    };
  }

  phase(): CircuitPhase {
    switch (this.policy?.state ?? CircuitState.Closed) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Open:
      case CircuitState.Isolated:
        return 'open';
      default:
        throw new Error(`unknown circuit state ${String(this.policy?.state)}`);
    }
  }

  private record(failure: CircuitFailureStatus | null): void {
    if (failure === null) {
      this.consecutive = 0;
      return;
    }
    this.consecutive++;
    this.lastFailure = failure;
  }

  // What a skipped call answers (skips()): no request.
  private skipped(): Guarded<never> | null {
    if (!this.skips()) return null;
    const phase = this.phase();
    const nextProbe = this.lastOpenedAt + this.settings.cooldownMs;
    const status = this.lastFailure ?? 'UNAVAILABLE';
    const opened = `circuit open since ${iso(this.openedSince ?? this.lastOpenedAt)} after ${this.consecutive} failures (${status})`;
    const next = phase === 'open' ? `next probe at ${iso(nextProbe)}` : `probe in flight since ${iso(this.probeSince)}`;
    return { ran: false, status, message: `${opened}; ${next}` };
  }
}
