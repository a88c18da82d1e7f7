import { GraphQLError } from 'graphql';
import { globalErrors } from '../../../../subgraphs/global/formatError';
import { silentLogger } from '../../../../infrastructure/logger';

const format = globalErrors(silentLogger()).formatError;
const wrapped = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['x'] });

describe('errors leaving the global subgraph', () => {
  it('pass coded errors through unchanged', () => {
    const formatted = { message: 'flavor "9" not found', extensions: { code: 'NOT_FOUND', id: '9' } };
    expect(format(formatted, new GraphQLError(formatted.message))).toEqual(formatted);
  });

  it('turn a unique-constraint race into CONFLICT, without the table or constraint', () => {
    const race = Object.assign(new Error('Unique constraint failed'), {
      code: 'P2002',
      meta: { modelName: 'KeyPair', target: ['key_pairs_user_id_name_deleted_key'] },
    });
    expect(
      format({ message: race.message, path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped(race)),
    ).toEqual({
      message: 'conflict: a row with the same unique key already exists',
      path: ['x'],
      extensions: { code: 'CONFLICT' },
    });
  });

  it('answer a failure to use the API database as GLOBAL_UNAVAILABLE with its cause', () => {
    const refused = Object.assign(new Error('database "cells_api" is not currently accepting connections'), {
      code: '55000',
      severity: 'FATAL',
    });
    expect(
      format(
        { message: refused.message, path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        wrapped(refused),
      ),
    ).toEqual({
      message: 'API database refuses connections',
      path: ['x'],
      extensions: { code: 'GLOBAL_UNAVAILABLE', reason: 'DB_REFUSED' },
    });
  });

  it('hide the internals of anything unexpected', () => {
    const answer = format(
      { message: 'connection to 10.0.0.5 refused', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      wrapped(new Error('connection to 10.0.0.5 refused')),
    );
    expect(answer).toEqual({ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('keep only the allowed extensions of a coded error', () => {
    const formatted = {
      message: 'Quota exceeded for instances',
      extensions: { code: 'QUOTA_EXCEEDED', resource: 'instances', limit: 10, cause: { sql: 'SELECT 1' } },
    };
    expect(format(formatted, new GraphQLError(formatted.message)).extensions).toEqual({
      code: 'QUOTA_EXCEEDED',
      resource: 'instances',
      limit: 10,
    });
  });
});
