import { maskError } from '../../../gateway/server';
import { loadGatewayConfig } from '../../../gateway/config';

describe('maskError', () => {
  it('removes URLs and stack traces from what the client sees', () => {
    const masked = maskError({
      message: 'request to http://10.0.0.5:4011/graphql failed, reason: connect ECONNREFUSED; db postgresql://u:p@db/cell1',
      extensions: { code: 'X', stacktrace: ['at a'], exception: { x: 1 } },
    });
    expect(masked.message).toBe('request to <url> failed, reason: connect ECONNREFUSED; db <url>');
    expect(masked.extensions).toEqual({ code: 'X' });
  });
});

describe('loadGatewayConfig', () => {
  it('uses the defaults of the default deployment', () => {
    expect(loadGatewayConfig({})).toMatchObject({ port: 4000, cellTimeoutMs: 5000, maxFirst: 1000, globalUrl: 'http://127.0.0.1:4001/graphql' });
  });

  it('names the variable and value it refuses', () => {
    expect(() => loadGatewayConfig({ CELLS_CELL_TIMEOUT_MS: '-5' })).toThrow(/CELLS_CELL_TIMEOUT_MS="-5"/);
    expect(() => loadGatewayConfig({ CELLS_JWT_SECRET: 'short' })).toThrow(/CELLS_JWT_SECRET="short"/);
  });
});
