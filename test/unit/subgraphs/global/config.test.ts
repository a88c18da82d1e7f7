import { loadGlobalConfig } from '../../../../subgraphs/global/config';
import { DEFAULTS } from '../../../../infrastructure/configSchema';

describe('the global subgraph configuration', () => {
  it('falls back to the deployment defaults', () => {
    expect(loadGlobalConfig({})).toEqual({
      apiDatabaseUrl: DEFAULTS.apiDatabaseUrl,
      port: 4001,
      host: '127.0.0.1',
      internalSecret: DEFAULTS.internalSecret,
      logLevel: 'info',
      cellTimeoutMs: 10000,
      poolMax: 10,
      poolTimeoutMs: 2000,
      queryTimeoutMs: 4000,
      maxAttempts: 3,
      budgetMs: 30000,
      cellCooldownMs: 30000,
      buildReaperMs: 60000,
    });
  });

  it('reads its variables', () => {
    const config = loadGlobalConfig({
      CELLS_API_DATABASE_URL: 'postgresql://u@db:5432/api',
      CELLS_GLOBAL_PORT: '5001',
      CELLS_HOST: '0.0.0.0',
      CELLS_INTERNAL_SECRET: 'a-long-secret',
      CELLS_LOG_LEVEL: 'debug',
      CELLS_SCHEDULER_CELL_TIMEOUT_MS: '2500',
      CELLS_DB_POOL_MAX: '4',
      CELLS_DB_POOL_TIMEOUT_MS: '700',
      CELLS_DB_QUERY_TIMEOUT_MS: '3000',
      CELLS_SCHEDULER_MAX_ATTEMPTS: '5',
      CELLS_SCHEDULER_BUDGET_MS: '8000',
      CELLS_SCHEDULER_CELL_COOLDOWN_MS: '1000',
      CELLS_BUILD_REAPER_MS: '0',
    });
    expect(config).toEqual({
      apiDatabaseUrl: 'postgresql://u@db:5432/api',
      port: 5001,
      host: '0.0.0.0',
      internalSecret: 'a-long-secret',
      logLevel: 'debug',
      cellTimeoutMs: 2500,
      poolMax: 4,
      poolTimeoutMs: 700,
      queryTimeoutMs: 3000,
      maxAttempts: 5,
      budgetMs: 8000,
      cellCooldownMs: 1000,
      buildReaperMs: 0,
    });
  });

  it('names the variable and the value it refuses', () => {
    expect(() => loadGlobalConfig({ CELLS_GLOBAL_PORT: 'eighty' })).toThrow(/CELLS_GLOBAL_PORT="eighty"/);
    expect(() => loadGlobalConfig({ CELLS_INTERNAL_SECRET: 'short' })).toThrow(
      /CELLS_INTERNAL_SECRET=\(hidden, 5 characters\)/,
    );
    expect(() => loadGlobalConfig({ CELLS_SCHEDULER_CELL_TIMEOUT_MS: '5' })).toThrow(
      /CELLS_SCHEDULER_CELL_TIMEOUT_MS="5"/,
    );
    expect(() => loadGlobalConfig({ CELLS_DB_POOL_MAX: '0' })).toThrow(/CELLS_DB_POOL_MAX="0"/);
    expect(() => loadGlobalConfig({ CELLS_SCHEDULER_MAX_ATTEMPTS: '0' })).toThrow(/CELLS_SCHEDULER_MAX_ATTEMPTS="0"/);
    expect(() => loadGlobalConfig({ CELLS_BUILD_REAPER_MS: '-1' })).toThrow(/CELLS_BUILD_REAPER_MS="-1"/);
  });

  it('refuses to bind beyond the loopback with the published internal secret', () => {
    expect(() => loadGlobalConfig({ CELLS_HOST: '0.0.0.0' })).toThrow(
      /CELLS_HOST="0.0.0.0" is not loopback, and CELLS_INTERNAL_SECRET is the published default; set CELLS_INTERNAL_SECRET/,
    );
    expect(() =>
      loadGlobalConfig({ CELLS_HOST: '192.168.1.20', CELLS_INTERNAL_SECRET: DEFAULTS.internalSecret }),
    ).toThrow(/CELLS_INTERNAL_SECRET is the published default/);
    expect(loadGlobalConfig({ CELLS_HOST: '192.168.1.20', CELLS_INTERNAL_SECRET: 'a-secret-of-our-own' }).host).toBe(
      '192.168.1.20',
    );
    expect(loadGlobalConfig({ CELLS_HOST: '127.0.0.2' }).internalSecret).toBe(DEFAULTS.internalSecret);
  });
});
