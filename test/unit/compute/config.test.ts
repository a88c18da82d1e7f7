import { loadComputeConfig } from '../../../compute/config';

describe('the compute agent configuration', () => {
  it("reports every 10 s by default, as Nova's report_interval", () => {
    expect(loadComputeConfig({}).heartbeatMs).toBe(10000);
  });

  it('reads the report interval, 0 meaning only at start', () => {
    expect(loadComputeConfig({ CELLS_COMPUTE_HEARTBEAT_MS: '0' }).heartbeatMs).toBe(0);
    expect(loadComputeConfig({ CELLS_COMPUTE_HEARTBEAT_MS: '2500' }).heartbeatMs).toBe(2500);
  });

  it('names the variable and the value it refuses', () => {
    expect(() => loadComputeConfig({ CELLS_COMPUTE_HEARTBEAT_MS: '-1' })).toThrow(/CELLS_COMPUTE_HEARTBEAT_MS="-1"/);
    expect(() => loadComputeConfig({ CELLS_COMPUTE_HEARTBEAT_MS: 'often' })).toThrow(
      /CELLS_COMPUTE_HEARTBEAT_MS="often"/,
    );
  });
});
