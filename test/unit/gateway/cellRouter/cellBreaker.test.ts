import { CellBreaker, type CircuitFailureStatus } from '../../../../gateway/cellRouter/cellBreaker';

type Answer = CircuitFailureStatus | 'OK' | 'ERROR';
const START = Date.parse('2026-03-01T10:00:00.000Z');

/** A breaker over a fake cell whose answers are scripted; counts the calls that reached it. */
function cell(settings = { failures: 3, cooldownMs: 10000 }) {
  const breaker = new CellBreaker(settings);
  let calls = 0;
  const ask = (answer: Answer) =>
    breaker.run(
      async () => {
        calls++;
        return answer;
      },
      (a) => (a === 'TIMEOUT' || a === 'UNAVAILABLE' ? a : null),
    );
  return { breaker, ask, calls: () => calls };
}

describe('a cell circuit', () => {
  beforeEach(() => jest.useFakeTimers({ now: START }));
  afterEach(() => jest.useRealTimers());

  it('opens after N timeouts or unavailable answers in a row and then skips the cell without calling it', async () => {
    const c = cell();
    await c.ask('TIMEOUT');
    await c.ask('UNAVAILABLE');
    expect(c.breaker.phase()).toBe('closed');
    await c.ask('TIMEOUT');
    expect(c.breaker.snapshot()).toEqual({
      state: 'open',
      since: '2026-03-01T10:00:00.000Z',
      failures: 3,
      lastFailure: 'TIMEOUT',
      nextProbeAt: '2026-03-01T10:00:10.000Z',
    });
    jest.setSystemTime(START + 4000);
    const skipped = await c.ask('OK');
    expect(skipped).toEqual({
      ran: false,
      status: 'TIMEOUT',
      message:
        'circuit open since 2026-03-01T10:00:00.000Z after 3 failures (TIMEOUT); next probe at 2026-03-01T10:00:10.000Z',
    });
    expect(c.calls()).toBe(3);
  });

  it('does not count ERROR answers, and a success resets the streak', async () => {
    const c = cell();
    for (const answer of ['TIMEOUT', 'TIMEOUT', 'ERROR', 'TIMEOUT', 'TIMEOUT', 'OK', 'TIMEOUT', 'TIMEOUT'] as Answer[])
      await c.ask(answer);
    expect(c.breaker.snapshot()).toMatchObject({ state: 'closed', failures: 2 });
    expect(c.calls()).toBe(8);
  });

  it('lets one probe through per cool-down, skipping every other call while it is in flight', async () => {
    const c = cell();
    for (let i = 0; i < 3; i++) await c.ask('TIMEOUT');
    jest.setSystemTime(START + 10000);
    let finish!: (a: Answer) => void;
    const probe = c.breaker.run(
      () => new Promise<Answer>((resolve) => (finish = resolve)),
      (a) => (a === 'OK' || a === 'ERROR' ? null : a),
    );
    expect(c.breaker.phase()).toBe('half-open');
    const during = await c.ask('OK');
    expect(during).toMatchObject({
      ran: false,
      message: expect.stringMatching(/; probe in flight since 2026-03-01T10:00:10.000Z$/),
    });
    jest.setSystemTime(START + 11000);
    finish('TIMEOUT');
    await probe;
    // A failed probe re-opens for a full cool-down from its end; "since" stays at the first opening.
    expect(c.breaker.snapshot()).toEqual({
      state: 'open',
      since: '2026-03-01T10:00:00.000Z',
      failures: 4,
      lastFailure: 'TIMEOUT',
      nextProbeAt: '2026-03-01T10:00:21.000Z',
    });
    jest.setSystemTime(START + 20999);
    expect((await c.ask('OK')).ran).toBe(false);
    jest.setSystemTime(START + 21000);
    expect(await c.ask('OK')).toEqual({ ran: true, result: 'OK' });
    expect(c.breaker.snapshot()).toEqual({
      state: 'closed',
      since: null,
      failures: 0,
      lastFailure: 'TIMEOUT',
      nextProbeAt: null,
    });
    expect(c.calls()).toBe(4);
  });

  it('never opens when the threshold is 0', async () => {
    const c = cell({ failures: 0, cooldownMs: 10000 });
    for (let i = 0; i < 10; i++) await c.ask('TIMEOUT');
    expect(c.breaker.phase()).toBe('closed');
    expect(c.calls()).toBe(10);
  });
});
