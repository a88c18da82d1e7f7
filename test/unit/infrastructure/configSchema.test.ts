import {
  ConfigError,
  DEFAULTS,
  isLoopbackHost,
  parseEnv,
  port,
  refusePublishedSecrets,
  url,
} from '../../../infrastructure/configSchema';
import { z } from 'zod';

describe('parseEnv', () => {
  const shape = { CELLS_PORT: port(4000), CELLS_URL: url('http://127.0.0.1/x') };

  it('fills defaults for unset and empty variables', () => {
    expect(parseEnv(shape, { CELLS_PORT: '' })).toEqual({ CELLS_PORT: 4000, CELLS_URL: 'http://127.0.0.1/x' });
  });

  it('names the variable and the value it refuses', () => {
    expect(() => parseEnv(shape, { CELLS_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseEnv(shape, { CELLS_PORT: 'eighty' })).toThrow(/CELLS_PORT="eighty"/);
    expect(() => parseEnv(shape, { CELLS_URL: 'not a url' })).toThrow(/CELLS_URL="not a url"/);
  });

  it('shows a refused secret by its length and a refused URL without its password', () => {
    const secrets = {
      CELLS_SECRET: z.string().min(32),
      CELLS_PASSWORD: z.string().min(8),
      CELLS_URL: url('http://x/'),
    };
    const refused = (env: Record<string, string>) => {
      try {
        parseEnv(secrets, { CELLS_SECRET: 'a'.repeat(32), CELLS_PASSWORD: 'long enough', ...env });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused({ CELLS_SECRET: 'hunter2' })).toBe(
      'invalid configuration: CELLS_SECRET=(hidden, 7 characters): Too small: expected string to have >=32 characters',
    );
    expect(refused({ CELLS_PASSWORD: 'hunter2' })).not.toContain('hunter2');
    const shownUrl = refused({ CELLS_URL: 'redis://cells:hunter2@cache host:6379' });
    expect(shownUrl).toContain('CELLS_URL="redis://cells:***@cache host:6379"');
    expect(shownUrl).not.toContain('hunter2');
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])(
    'counts %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'cells.example', '127.0.0.1.nip.io', '::2'])(
    'counts %s as reachable from elsewhere',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('refusePublishedSecrets', () => {
  it('names only the variables that hold a published default', () => {
    expect(() =>
      refusePublishedSecrets('0.0.0.0', {
        CELLS_INTERNAL_SECRET: 'mine-and-only-mine',
        CELLS_JWT_SECRET: DEFAULTS.jwtSecret,
      }),
    ).toThrow(ConfigError);
    expect(() =>
      refusePublishedSecrets('0.0.0.0', {
        CELLS_INTERNAL_SECRET: 'mine-and-only-mine',
        CELLS_JWT_SECRET: DEFAULTS.jwtSecret,
      }),
    ).toThrow(/, and CELLS_JWT_SECRET is the published default; set CELLS_JWT_SECRET /);
    expect(() =>
      refusePublishedSecrets('0.0.0.0', { CELLS_INTERNAL_SECRET: 'mine-and-only-mine', CELLS_JWT_SECRET: undefined }),
    ).not.toThrow();
    expect(() => refusePublishedSecrets('127.0.0.1', { CELLS_INTERNAL_SECRET: DEFAULTS.internalSecret })).not.toThrow();
  });
});
