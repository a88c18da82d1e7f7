import { ConfigError, parseEnv, port, url } from '../../../../subgraphs/shared/configSchema';

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
});
