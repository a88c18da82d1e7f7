import { loadCellConfig } from '../../../../subgraphs/cell/config';
import { DEFAULTS } from '../../../../infrastructure/configSchema';

describe('the cell subgraph configuration', () => {
  it('falls back to the deployment defaults, the port coming from the cell mapping', () => {
    expect(loadCellConfig({})).toEqual({
      apiDatabaseUrl: DEFAULTS.apiDatabaseUrl,
      host: '127.0.0.1',
      internalSecret: DEFAULTS.internalSecret,
      logLevel: 'info',
      publishTimeoutMs: 5000,
      notifications: true,
      port: null,
      poolMax: 10,
      poolIdleMs: 10000,
      poolTimeoutMs: 2000,
      queryTimeoutMs: 4000,
      serviceDownTimeS: 60,
      execution: 'jit',
    });
  });

  it('reads how queries run, graphql-jit or graphql-js, and names a value it refuses', () => {
    expect(loadCellConfig({ CELLS_CELL_EXECUTION: 'graphql-js' }).execution).toBe('graphql-js');
    expect(loadCellConfig({ CELLS_CELL_EXECUTION: 'jit' }).execution).toBe('jit');
    expect(() => loadCellConfig({ CELLS_CELL_EXECUTION: 'fast' })).toThrow(/CELLS_CELL_EXECUTION="fast"/);
  });

  it("reads Nova's service_down_time, in whole seconds from 1 s to a day", () => {
    expect(loadCellConfig({ CELLS_SERVICE_DOWN_TIME_S: '5' }).serviceDownTimeS).toBe(5);
    expect(() => loadCellConfig({ CELLS_SERVICE_DOWN_TIME_S: '0' })).toThrow(/CELLS_SERVICE_DOWN_TIME_S="0"/);
    expect(() => loadCellConfig({ CELLS_SERVICE_DOWN_TIME_S: '1.5' })).toThrow(/CELLS_SERVICE_DOWN_TIME_S="1.5"/);
    expect(() => loadCellConfig({ CELLS_SERVICE_DOWN_TIME_S: 'soon' })).toThrow(/CELLS_SERVICE_DOWN_TIME_S="soon"/);
  });

  it('reads its variables', () => {
    const config = loadCellConfig({
      CELLS_CELL_PORT: '0',
      CELLS_PUBLISH_TIMEOUT_MS: '750',
      CELLS_DB_POOL_MAX: '6',
      CELLS_DB_POOL_IDLE_MS: '1500',
      CELLS_LOG_LEVEL: 'warn',
      CELLS_NOTIFICATIONS: 'false',
    });
    expect(config).toMatchObject({
      port: 0,
      publishTimeoutMs: 750,
      poolMax: 6,
      poolIdleMs: 1500,
      logLevel: 'warn',
      notifications: false,
    });
    expect(() => loadCellConfig({ CELLS_NOTIFICATIONS: 'yes' })).toThrow(/CELLS_NOTIFICATIONS="yes"/);
  });

  it('names the variable and the value it refuses', () => {
    expect(() => loadCellConfig({ CELLS_DB_POOL_MAX: 'many' })).toThrow(/CELLS_DB_POOL_MAX="many"/);
    expect(() => loadCellConfig({ CELLS_DB_POOL_MAX: '501' })).toThrow(/CELLS_DB_POOL_MAX="501"/);
    expect(() => loadCellConfig({ CELLS_PUBLISH_TIMEOUT_MS: '10' })).toThrow(/CELLS_PUBLISH_TIMEOUT_MS="10"/);
  });

  it('refuses to bind beyond the loopback with the published internal secret', () => {
    expect(() => loadCellConfig({ CELLS_HOST: '0.0.0.0' })).toThrow(
      /CELLS_HOST="0.0.0.0" is not loopback, and CELLS_INTERNAL_SECRET is the published default; set CELLS_INTERNAL_SECRET/,
    );
    expect(() =>
      loadCellConfig({ CELLS_HOST: '192.168.1.20', CELLS_INTERNAL_SECRET: DEFAULTS.internalSecret }),
    ).toThrow(/CELLS_INTERNAL_SECRET is the published default/);
    expect(loadCellConfig({ CELLS_HOST: '192.168.1.20', CELLS_INTERNAL_SECRET: 'a-secret-of-our-own' }).host).toBe(
      '192.168.1.20',
    );
    expect(loadCellConfig({ CELLS_HOST: '127.0.0.2' }).internalSecret).toBe(DEFAULTS.internalSecret);
  });
});
