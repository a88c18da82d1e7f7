import { GraphQLError } from 'graphql';
import { globalFormatError } from '../../../../subgraphs/global/formatError';
import { silentLogger } from '../../../../subgraphs/shared/logger';

const format = globalFormatError(silentLogger());
const wrapped = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['x'] });

describe('errors leaving the global subgraph', () => {
  it('pass coded errors through unchanged', () => {
    const formatted = { message: 'flavor "9" not found', extensions: { code: 'NOT_FOUND' } };
    expect(format(formatted, new GraphQLError(formatted.message))).toBe(formatted);
  });

  it('turn a unique-constraint race into CONFLICT', () => {
    const race = Object.assign(new Error('Unique constraint failed'), { code: 'P2002', meta: { target: ['name'] } });
    expect(format({ message: race.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped(race)).extensions).toEqual({ code: 'CONFLICT' });
  });

  it('hide the internals of anything unexpected', () => {
    const answer = format({ message: 'connection to 10.0.0.5 refused', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped(new Error('connection to 10.0.0.5 refused')));
    expect(answer).toEqual({ message: 'internal error', path: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
