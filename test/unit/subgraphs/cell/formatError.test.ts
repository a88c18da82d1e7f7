import { GraphQLError } from 'graphql';
import { Prisma } from '../../../../prisma/cell/generated/client';
import { classifyCellError as formatCellError, INTERNAL_MESSAGE } from '../../../../subgraphs/cell/formatError';
import { DATABASE_FAILURES, databaseFailure } from '../../../../domain/databaseFailure';

// The shapes below are what @prisma/adapter-pg 7.10 and node-postgres threw when each
// fault was reproduced against a real database (see test/integration/cell/databaseDown).
function prismaError(
  code: string,
  cause: Record<string, unknown>,
  message = 'Invalid `prisma.$queryRaw()` invocation: raw text with "cells_t_x" and 127.0.0.1',
): Error {
  return new Prisma.PrismaClientKnownRequestError(message, {
    code,
    clientVersion: '7.10.0',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });
}
function postgres(sqlstate: string, message: string, severity = 'FATAL'): Record<string, unknown> {
  return { originalCode: sqlstate, originalMessage: message, kind: 'postgres', code: sqlstate, severity, message };
}
// Apollo hands formatError the GraphQLError that wraps what the resolver threw.
function asResolved(original: Error): GraphQLError {
  return new GraphQLError(original.message, { originalError: original, path: ['instances'] });
}
const unchosen = (message: string) => ({ message, path: ['instances'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });

describe('classifying a failure to use the cell database', () => {
  it.each([
    [
      'connection refused (findMany)',
      prismaError('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }),
      'DB_REFUSED',
    ],
    [
      'connection refused ($queryRaw)',
      prismaError('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }),
      'DB_REFUSED',
    ],
    [
      'allow_connections off (55000)',
      prismaError('P2010', postgres('55000', 'database "x" is not currently accepting connections')),
      'DB_REFUSED',
    ],
    [
      'allow_connections off through findMany (P2039)',
      prismaError('P2039', postgres('55000', 'database "x" is not currently accepting connections')),
      'DB_REFUSED',
    ],
    [
      'the server starting up (57P03)',
      prismaError('P2010', postgres('57P03', 'the database system is starting up')),
      'DB_REFUSED',
    ],
    [
      'database missing (3D000)',
      prismaError('P1003', {
        originalCode: '3D000',
        originalMessage: 'database "x" does not exist',
        kind: 'DatabaseDoesNotExist',
        db: 'x',
      }),
      'DB_MISSING',
    ],
    [
      'role missing (28000)',
      prismaError('P1010', {
        originalCode: '28000',
        originalMessage: 'role "x" does not exist',
        kind: 'DatabaseAccessDenied',
      }),
      'DB_AUTH_FAILED',
    ],
    [
      'password rejected (28P01)',
      prismaError('P1000', {
        originalCode: '28P01',
        originalMessage: 'password authentication failed for user "x"',
        kind: 'AuthenticationFailed',
        user: 'x',
      }),
      'DB_AUTH_FAILED',
    ],
    [
      'too many connections (53300)',
      prismaError('P2037', {
        originalCode: '53300',
        originalMessage: 'too many connections for role "x"',
        kind: 'TooManyConnections',
        cause: 'too many connections',
      }),
      'DB_TOO_MANY_CONNECTIONS',
    ],
    [
      'backend terminated (57P01)',
      prismaError('P2010', postgres('57P01', 'terminating connection due to administrator command')),
      'DB_TERMINATED',
    ],
    [
      'crash shutdown (57P02)',
      prismaError('P2010', postgres('57P02', 'terminating connection because of crash of another server process')),
      'DB_TERMINATED',
    ],
    [
      'statement timeout (57014)',
      prismaError('P2039', postgres('57014', 'canceling statement due to statement timeout', 'ERROR')),
      'DB_TIMEOUT',
    ],
    ['socket closed (adapter ConnectionClosed)', prismaError('P1017', { kind: 'ConnectionClosed' }), 'DB_TERMINATED'],
    ['TLS refused', prismaError('P1011', { kind: 'TlsConnectionError', reason: 'self signed certificate' }), 'DB_TLS'],
  ])('%s', (_, error, reason) => {
    expect(databaseFailure(asResolved(error))).toBe(reason);
  });

  it.each([
    ['the pool wait timing out', new Error('timeout exceeded when trying to connect'), 'DB_POOL_EXHAUSTED'],
    [
      'a connect that never answers',
      new Error('Connection terminated due to connection timeout', {
        cause: new Error('Connection terminated unexpectedly'),
      }),
      'DB_TIMEOUT',
    ],
    ['a connection ended mid-query', new Error('Connection terminated unexpectedly'), 'DB_TERMINATED'],
    [
      'a raw pg DatabaseError',
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
        severity: 'FATAL',
      }),
      'DB_TERMINATED',
    ],
    [
      'a raw socket refusal',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
        errno: -111,
      }),
      'DB_REFUSED',
    ],
    [
      'a name that does not resolve',
      Object.assign(new Error('getaddrinfo ENOTFOUND db.example'), { code: 'ENOTFOUND' }),
      'DB_UNREACHABLE',
    ],
    [
      "Prisma's own pool timeout (P2024)",
      new Prisma.PrismaClientKnownRequestError('Timed out fetching a new connection', {
        code: 'P2024',
        clientVersion: '7.10.0',
      }),
      'DB_POOL_EXHAUSTED',
    ],
  ])('%s', (_, error, reason) => {
    expect(databaseFailure(asResolved(error))).toBe(reason);
  });

  it('leaves errors that are not about reaching the database alone', () => {
    expect(
      databaseFailure(asResolved(prismaError('P2010', postgres('22012', 'division by zero', 'ERROR')))),
    ).toBeNull();
    expect(
      databaseFailure(
        asResolved(prismaError('P2002', { kind: 'UniqueConstraintViolation', constraint: { fields: ['uuid'] } })),
      ),
    ).toBeNull();
    expect(databaseFailure(asResolved(new TypeError('row is undefined')))).toBeNull();
    // 55000 in a statement (not at connect time) is a bug, not a closed database.
    expect(
      databaseFailure(
        asResolved(prismaError('P2010', postgres('55000', 'currval of sequence is not yet defined', 'ERROR'))),
      ),
    ).toBeNull();
  });
});

describe('formatting errors of the cell subgraph', () => {
  it('answers a database failure with CELL_UNAVAILABLE, a fixed message and the reason, and no raw text', () => {
    const error = asResolved(
      prismaError('P2010', postgres('55000', 'database "cells_t_secret" is not currently accepting connections')),
    );
    const formatted = formatCellError(unchosen(error.message), error);
    expect(formatted).toEqual({
      message: DATABASE_FAILURES.DB_REFUSED,
      path: ['instances'],
      extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_REFUSED' },
    });
    expect(JSON.stringify(formatted)).not.toMatch(/cells_t_secret|127\.0\.0\.1|queryRaw|55000/);
  });

  it('answers any other unexpected error with a fixed internal message', () => {
    const error = asResolved(prismaError('P2010', postgres('22012', 'division by zero', 'ERROR')));
    expect(formatCellError(unchosen(error.message), error)).toEqual({
      message: INTERNAL_MESSAGE,
      path: ['instances'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const noCode = { message: 'Cannot return null for non-nullable field Instance.uuid.', path: ['instances'] };
    expect(formatCellError(noCode, new GraphQLError(noCode.message)).message).toBe(INTERNAL_MESSAGE);
  });

  it('keeps codes the resolvers or Apollo chose', () => {
    const chosen = { message: 'bad', extensions: { code: 'BAD_USER_INPUT' } };
    expect(formatCellError(chosen, new Error('ECONNREFUSED'))).toBe(chosen);
    const validation = { message: 'Cannot query field "x"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
    expect(formatCellError(validation, new GraphQLError(validation.message))).toBe(validation);
  });
});
