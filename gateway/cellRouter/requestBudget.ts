/**
 * How many cell requests one incoming request may have in flight at once
 * (CELLS_MAX_CELL_REQUESTS_IN_FLIGHT): the rest wait for a slot, in order. So one
 * request with several fan-outs over many cells cannot take every pooled connection of
 * every cell at the same moment; it takes longer instead.
 */
export class RequestBudget {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most this request had in flight at once. */
  peak = 0;

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over by release()
    this.peak = Math.max(this.peak, this.active);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** One budget per incoming request, kept beside its context object. */
export class RequestBudgets {
  private readonly byRequest = new WeakMap<object, RequestBudget>();
  /** The most any one request had in flight at once since start (tests and benchmarks read it). */
  peak = 0;

  constructor(readonly max: number) {}

  for(context: object): { run<T>(task: () => Promise<T>): Promise<T> } {
    let budget = this.byRequest.get(context);
    if (!budget) {
      budget = new RequestBudget(this.max);
      this.byRequest.set(context, budget);
    }
    const own = budget;
    return {
      run: async (task) =>
        own.run(() => {
          this.peak = Math.max(this.peak, own.peak);
          return task();
        }),
    };
  }
}
