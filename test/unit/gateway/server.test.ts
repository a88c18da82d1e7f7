import { loadGatewayConfig } from '../../../gateway/config';

describe('loadGatewayConfig', () => {
  it('uses the defaults of the default deployment', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      port: 4000,
      cellTimeoutMs: 5000,
      maxFirst: 1000,
      globalUrl: 'http://127.0.0.1:4001/graphql',
    });
  });

  it('names the variable and value it refuses', () => {
    expect(() => loadGatewayConfig({ CELLS_CELL_TIMEOUT_MS: '-5' })).toThrow(/CELLS_CELL_TIMEOUT_MS="-5"/);
    expect(() => loadGatewayConfig({ CELLS_JWT_SECRET: 'short' })).toThrow(/CELLS_JWT_SECRET=\(hidden, 5 characters\)/);
  });
});
