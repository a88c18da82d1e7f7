import { CellDown, CellHealth } from '../../../../../subgraphs/global/scheduler/cellHealth';
import { silentLogger } from '../../../../../infrastructure/logger';

describe("the scheduler's memory of cells that failed recently", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('runs work for a healthy cell and hands back its value', async () => {
    const health = new CellHealth({ cooldownMs: 1000, logger: silentLogger() });
    expect(await health.run('a', async () => 42)).toEqual({ ran: true, value: 42 });
    expect(health.isDown('a')).toBe(false);
  });

  it('skips a cell without running the work once it failed, and says since when', async () => {
    const health = new CellHealth({ cooldownMs: 60000, logger: silentLogger() });
    await expect(health.run('a', async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    let ran = 0;
    const skipped = await health.run('a', async () => ++ran);
    expect(skipped).toEqual({ ran: false, downSince: expect.any(Date) });
    expect(ran).toBe(0);
    expect(health.isDown('a')).toBe(true);
    // Other cells are not affected.
    expect(await health.run('b', async () => 'b')).toEqual({ ran: true, value: 'b' });
  });

  it('counts a CellDown answer as a failure and throws it on with its outcome', async () => {
    const health = new CellHealth({ cooldownMs: 60000, logger: silentLogger() });
    const outcome = { ok: false, kind: 'timeout' };
    await expect(health.run('a', async () => Promise.reject(new CellDown(outcome)))).rejects.toMatchObject({ outcome });
    expect(health.isDown('a')).toBe(true);
  });

  it('lets one probe through after the cool-down, and a success closes the circuit', async () => {
    const health = new CellHealth({ cooldownMs: 50, logger: silentLogger() });
    await expect(health.run('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await sleep(80);
    expect(health.isDown('a')).toBe(false);
    expect(await health.run('a', async () => 'probe')).toEqual({ ran: true, value: 'probe' });
    expect(await health.run('a', async () => 'again')).toEqual({ ran: true, value: 'again' });
  });

  it('opens again for a whole cool-down when the probe fails', async () => {
    const health = new CellHealth({ cooldownMs: 50, logger: silentLogger() });
    await expect(health.run('a', async () => Promise.reject(new Error('down')))).rejects.toThrow();
    await sleep(80);
    await expect(health.run('a', async () => Promise.reject(new Error('still down')))).rejects.toThrow('still down');
    expect((await health.run('a', async () => 'x')).ran).toBe(false);
  });

  it('needs `threshold` failures in a row when set above one', async () => {
    const health = new CellHealth({ cooldownMs: 60000, threshold: 2, logger: silentLogger() });
    await expect(health.run('a', async () => Promise.reject(new Error('once')))).rejects.toThrow();
    expect((await health.run('a', async () => 'still tried')).ran).toBe(true);
    await expect(health.run('a', async () => Promise.reject(new Error('1')))).rejects.toThrow();
    await expect(health.run('a', async () => Promise.reject(new Error('2')))).rejects.toThrow();
    expect((await health.run('a', async () => 'x')).ran).toBe(false);
  });
});
