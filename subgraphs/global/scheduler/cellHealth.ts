import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  isBrokenCircuitError,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Logger } from '../../../infrastructure/logger';

/** What a guarded call came to: its value, or the cell was skipped because it failed recently. */
export type Guarded<T> = { ran: true; value: T } | { ran: false; downSince: Date };

/** Thrown inside a guarded call to count an answer (not an exception) as the cell failing. */
export class CellDown<T> extends Error {
  constructor(readonly outcome: T) {
    super('cell down');
  }
}

interface CellCircuit {
  policy: CircuitBreakerPolicy;
  downSince: Date | null;
}

export interface CellHealthOptions {
  /** How long a cell that failed is skipped before one call probes it again. */
  cooldownMs: number;
  /** Failures in a row that mark a cell down; default 1 (one failed boot is enough to route around it). */
  threshold?: number;
  logger: Logger;
}

/**
 * The scheduler's memory of cells that failed recently: one cockatiel circuit per cell
 * (the gateway guards its cell calls the same way). A cell whose database did not
 * report capacity, or whose subgraph did not build, is skipped for the cool-down
 * without being asked, so the next boot does not wait on it again; then one call goes
 * through as a probe and its success closes the circuit. Per process, shared by every
 * request.
 */
export class CellHealth {
  private readonly circuits = new Map<string, CellCircuit>();

  constructor(private readonly options: CellHealthOptions) {}

  /**
   * Runs `work` for the cell through its circuit. A thrown error (CellDown for an
   * answer that means the cell is down) counts as a failure and is thrown on; while
   * the circuit is open, `work` does not run and the answer says since when.
   */
  async run<T>(cellUuid: string, work: () => Promise<T>, options: { force?: boolean } = {}): Promise<Guarded<T>> {
    const circuit = this.circuit(cellUuid);
    if (options.force && this.isDown(cellUuid)) return { ran: true, value: await this.probe(cellUuid, circuit, work) };
    try {
      return { ran: true, value: await circuit.policy.execute(work) };
    } catch (err) {
      if (isBrokenCircuitError(err)) return { ran: false, downSince: circuit.downSince ?? new Date() };
      throw err;
    }
  }

  // A probe out of turn (every cell is known down, so skipping them all would bury the
  // server): success forgets the failure, another failure restarts the cool-down.
  private async probe<T>(cellUuid: string, circuit: CellCircuit, work: () => Promise<T>): Promise<T> {
    try {
      const value = await work();
      this.circuits.delete(cellUuid);
      this.options.logger.info({ cell: cellUuid }, 'scheduler: cell answered again');
      return value;
    } catch (err) {
      circuit.downSince = new Date();
      throw err;
    }
  }

  /** Whether the cell's circuit is open (known down, not yet due for a probe). */
  isDown(cellUuid: string): boolean {
    const circuit = this.circuits.get(cellUuid);
    return (
      circuit !== undefined &&
      circuit.policy.state === CircuitState.Open &&
      circuit.downSince !== null &&
      Date.now() - circuit.downSince.getTime() < this.options.cooldownMs
    );
  }

  private circuit(cellUuid: string): CellCircuit {
    let circuit = this.circuits.get(cellUuid);
    if (!circuit) {
      const policy = circuitBreaker(handleAll, {
        halfOpenAfter: this.options.cooldownMs,
        breaker: new ConsecutiveBreaker(this.options.threshold ?? 1),
      });
      const created: CellCircuit = { policy, downSince: null };
      policy.onBreak(() => {
        created.downSince = new Date();
        this.options.logger.warn(
          { cell: cellUuid, cooldownMs: this.options.cooldownMs },
          'scheduler: cell marked down; skipping it for the cool-down',
        );
      });
      policy.onReset(() => {
        created.downSince = null;
        this.options.logger.info({ cell: cellUuid }, 'scheduler: cell answered again');
      });
      this.circuits.set(cellUuid, created);
      circuit = created;
    }
    return circuit;
  }
}
