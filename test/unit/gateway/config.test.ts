import { loadGatewayConfig } from '../../../gateway/config';
import { DEFAULTS } from '../../../infrastructure/configSchema';

describe('the gateway configuration off the loopback', () => {
  const own = { CELLS_INTERNAL_SECRET: 'an-internal-secret-of-our-own', CELLS_JWT_SECRET: 'a-jwt-secret-of-our-own' };

  it('accepts the published defaults on the loopback', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      host: '127.0.0.1',
      internalSecret: DEFAULTS.internalSecret,
      jwt: { secret: DEFAULTS.jwtSecret },
    });
    expect(loadGatewayConfig({ CELLS_HOST: 'localhost' }).host).toBe('localhost');
    expect(loadGatewayConfig({ CELLS_HOST: '::1' }).host).toBe('::1');
  });

  it('refuses to bind beyond the loopback with a published default secret, naming each variable to set', () => {
    expect(() => loadGatewayConfig({ CELLS_HOST: '0.0.0.0' })).toThrow(
      /CELLS_HOST="0.0.0.0" is not loopback, and CELLS_INTERNAL_SECRET and CELLS_JWT_SECRET are the published default; set CELLS_INTERNAL_SECRET and CELLS_JWT_SECRET/,
    );
    expect(() => loadGatewayConfig({ CELLS_HOST: '10.0.0.5', CELLS_JWT_SECRET: own.CELLS_JWT_SECRET })).toThrow(
      /CELLS_INTERNAL_SECRET is the published default/,
    );
    expect(() =>
      loadGatewayConfig({
        CELLS_HOST: '::',
        CELLS_INTERNAL_SECRET: own.CELLS_INTERNAL_SECRET,
        CELLS_JWT_SECRET: DEFAULTS.jwtSecret,
      }),
    ).toThrow(/CELLS_JWT_SECRET is the published default/);
    expect(loadGatewayConfig({ CELLS_HOST: '0.0.0.0', ...own })).toMatchObject({
      host: '0.0.0.0',
      internalSecret: own.CELLS_INTERNAL_SECRET,
    });
  });

  it('does not ask for a JWT secret it does not use (JWKS)', () => {
    const jwks = {
      CELLS_JWKS_URL: 'https://keystone.example/jwks.json',
      CELLS_JWT_ISSUER: 'keystone',
      CELLS_JWT_AUDIENCE: 'cells',
    };
    expect(
      loadGatewayConfig({ CELLS_HOST: '0.0.0.0', CELLS_INTERNAL_SECRET: own.CELLS_INTERNAL_SECRET, ...jwks }).jwt,
    ).toEqual({ secret: undefined, jwksUrl: jwks.CELLS_JWKS_URL, issuer: 'keystone', audience: 'cells' });
  });

  it('requires an issuer and an audience with a JWKS', () => {
    expect(() => loadGatewayConfig({ CELLS_JWKS_URL: 'https://keystone.example/jwks.json' })).toThrow(
      /CELLS_JWKS_URL is set, so CELLS_JWT_ISSUER and CELLS_JWT_AUDIENCE must be set too/,
    );
    expect(() =>
      loadGatewayConfig({ CELLS_JWKS_URL: 'https://keystone.example/jwks.json', CELLS_JWT_ISSUER: 'keystone' }),
    ).toThrow(/so CELLS_JWT_AUDIENCE must be set too/);
  });

  it('serves the operational endpoints on a port of their own only when asked', () => {
    expect(loadGatewayConfig({}).ops).toBeNull();
    expect(loadGatewayConfig({ CELLS_OPS_PORT: '9100' }).ops).toEqual({ port: 9100, host: '127.0.0.1' });
    expect(loadGatewayConfig({ CELLS_OPS_PORT: '9100', CELLS_OPS_HOST: '10.0.0.5' }).ops).toEqual({
      port: 9100,
      host: '10.0.0.5',
    });
    expect(() => loadGatewayConfig({ CELLS_OPS_PORT: 'metrics' })).toThrow(/CELLS_OPS_PORT="metrics"/);
  });
});

describe('the live event settings', () => {
  it('defaults to the documented limits', () => {
    expect(loadGatewayConfig({}).events).toEqual({
      bufferLimit: 1000,
      maxSubscriptions: 1000,
      maxPerConnection: 10,
      credentials: { user: 'guest', password: 'guest' },
      reconnect: { minMs: 500, maxMs: 15000 },
      queueMaxLength: 10000,
    });
  });

  it("reads how answers are shaped, compiled by default or Apollo's walk, and names a value it refuses", () => {
    expect(loadGatewayConfig({}).resultShaping).toBe('compiled');
    expect(loadGatewayConfig({ CELLS_GATEWAY_RESULT_SHAPING: 'apollo' }).resultShaping).toBe('apollo');
    expect(() => loadGatewayConfig({ CELLS_GATEWAY_RESULT_SHAPING: 'fast' })).toThrow(
      /CELLS_GATEWAY_RESULT_SHAPING="fast"/,
    );
  });

  it('reads every variable, and names a bad one with its value', () => {
    const events = loadGatewayConfig({
      CELLS_SUBSCRIPTION_BUFFER: '50',
      CELLS_SUBSCRIPTIONS_MAX: '20',
      CELLS_SUBSCRIPTIONS_PER_CONNECTION: '2',
      CELLS_EVENTS_AMQP_USER: 'events',
      CELLS_EVENTS_AMQP_PASSWORD: 'pw',
      CELLS_EVENTS_RECONNECT_MAX_MS: '3000',
      CELLS_EVENTS_QUEUE_MAX: '500',
    }).events;
    expect(events).toEqual({
      bufferLimit: 50,
      maxSubscriptions: 20,
      maxPerConnection: 2,
      credentials: { user: 'events', password: 'pw' },
      reconnect: { minMs: 500, maxMs: 3000 },
      queueMaxLength: 500,
    });
    expect(() => loadGatewayConfig({ CELLS_SUBSCRIPTION_BUFFER: '0' })).toThrow(/CELLS_SUBSCRIPTION_BUFFER="0"/);
    expect(() => loadGatewayConfig({ CELLS_EVENTS_RECONNECT_MAX_MS: '100' })).toThrow(
      /CELLS_EVENTS_RECONNECT_MAX_MS="100"/,
    );
  });
});

describe('the shared instance-mapping cache', () => {
  it('is off unless a Redis URL is given: the per-replica LRU alone', () => {
    expect(loadGatewayConfig({}).mappingCacheRedis).toBeNull();
  });

  it('reads the URL, the deadline and the prefix, and names a bad one with its value', () => {
    expect(loadGatewayConfig({ CELLS_MAPPING_CACHE_REDIS_URL: 'redis://127.0.0.1:6379/2' }).mappingCacheRedis).toEqual({
      url: 'redis://127.0.0.1:6379/2',
      timeoutMs: 50,
      prefix: 'cells:mapping:',
    });
    expect(
      loadGatewayConfig({
        CELLS_MAPPING_CACHE_REDIS_URL: 'rediss://cache.example:6380',
        CELLS_MAPPING_CACHE_REDIS_TIMEOUT_MS: '100',
        CELLS_MAPPING_CACHE_REDIS_PREFIX: 'region1:',
      }).mappingCacheRedis,
    ).toEqual({ url: 'rediss://cache.example:6380', timeoutMs: 100, prefix: 'region1:' });
    expect(() => loadGatewayConfig({ CELLS_MAPPING_CACHE_REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
      /CELLS_MAPPING_CACHE_REDIS_URL="http:\/\/127.0.0.1:6379": expected a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() =>
      loadGatewayConfig({ CELLS_MAPPING_CACHE_REDIS_URL: 'redis://x', CELLS_MAPPING_CACHE_REDIS_TIMEOUT_MS: '0' }),
    ).toThrow(/CELLS_MAPPING_CACHE_REDIS_TIMEOUT_MS="0"/);
  });
});
