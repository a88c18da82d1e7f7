import { GraphQLError } from 'graphql';
import pino from 'pino';
import { Writable } from 'node:stream';
import {
  CLIENT_EXTENSIONS,
  clientCellMessage,
  clientErrors,
  INTERNAL_MESSAGE,
  KNOWN_CODES,
  toClientError,
} from '../../../domain/clientError';
import { ErrorCode } from '../../../domain/errors';
import { leaksIn } from '../../helpers/leaks';

/** A logger whose lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('the client view of an error', () => {
  it('keeps only the allowed extensions', () => {
    const { error } = toClientError({
      message: 'Quota exceeded for cores: requested 4, but already used 8 of 10',
      path: ['createServer'],
      locations: [{ line: 1, column: 12 }],
      extensions: {
        code: 'QUOTA_EXCEEDED',
        resource: 'cores',
        limit: 10,
        inUse: 8,
        requested: 4,
        maxComplexity: 5000,
        serviceName: 'global',
        response: { url: 'http://127.0.0.1:4001/graphql', status: 502, body: 'upstream' },
        exception: { stacktrace: ['Error: x', '    at f (/srv/a.ts:1:1)'] },
        stacktrace: ['    at f (/srv/a.ts:1:1)'],
        http: { status: 400 },
        meta: { target: ['name'] },
      },
    });
    expect(error).toEqual({
      message: 'Quota exceeded for cores: requested 4, but already used 8 of 10',
      path: ['createServer'],
      locations: [{ line: 1, column: 12 }],
      extensions: { code: 'QUOTA_EXCEEDED', resource: 'cores', limit: 10, inUse: 8, requested: 4, maxComplexity: 5000 },
    });
  });

  it('drops an allowed extension whose value is an object or holds internal text', () => {
    const { error } = toClientError({
      message: 'cell unavailable',
      extensions: {
        code: 'CELL_UNAVAILABLE',
        cellUuid: 'c1',
        reason: { err: 'x' },
        status: 'connect ECONNREFUSED 127.0.0.1:5432',
        maxDepth: '12',
      },
    });
    expect(error.extensions).toEqual({ code: 'CELL_UNAVAILABLE', cellUuid: 'c1' });
  });

  it('answers an internal or unknown code with the fixed message and the request id', () => {
    for (const code of [ErrorCode.INTERNAL_SERVER_ERROR, 'DOWNSTREAM_SERVICE_ERROR', undefined]) {
      const { error, verdict } = toClientError(
        {
          message: 'Invalid `prisma.$queryRaw()` invocation: Raw query failed. Code: 22021',
          path: ['instances'],
          extensions: { code, cellUuid: 'c1' },
        },
        'req-1',
      );
      expect(verdict).toBe('internal');
      expect(error).toEqual({
        message: INTERNAL_MESSAGE,
        path: ['instances'],
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: 'req-1' },
      });
    }
  });

  it('keeps the message of a known code that Cells wrote', () => {
    const formatted = {
      message: 'first: expected an integer from 0 to 1000, got 5000',
      extensions: { code: 'BAD_USER_INPUT', field: 'first' },
    };
    expect(toClientError(formatted)).toEqual({ error: formatted, verdict: 'kept' });
  });

  it("keeps a refusal that quotes the caller's own URL", () => {
    const formatted = {
      message: 'graphqlUrl: expected an http(s) URL, got "http://nope"',
      extensions: { code: 'BAD_USER_INPUT', field: 'graphqlUrl' },
    };
    expect(toClientError(formatted).verdict).toBe('kept');
  });

  it.each([
    [
      'CELL_UNAVAILABLE',
      'the cell database is unavailable: Invalid `prisma.instance.findMany()` invocation',
      'cell unavailable',
    ],
    [
      'BROKER_UNAVAILABLE',
      'could not publish reboot to compute.h1: connect ECONNREFUSED 127.0.0.1:5672',
      "the cell's message broker is unavailable",
    ],
    [
      'GLOBAL_UNAVAILABLE',
      'instance mappings could not be read: request to http://10.0.0.5:4001/graphql failed',
      'the global subgraph is unavailable',
    ],
    ['BAD_USER_INPUT', 'invalid byte sequence for encoding "UTF8": 0x00', 'filter.host: invalid value'],
    ['NOT_FOUND', 'Error: x\n    at Object.<anonymous> (/srv/cells/a.ts:3:9)', 'not found'],
  ])('replaces a %s message that holds internal text with the fixed one', (code, message, fixed) => {
    const { error, verdict } = toClientError({ message, extensions: { code, field: 'filter.host' } }, 'req-2');
    expect(verdict).toBe('rewritten');
    expect(error.message).toBe(fixed);
    expect(error.extensions).toMatchObject({ code, requestId: 'req-2' });
    expect(leaksIn(JSON.stringify(error))).toEqual([]);
  });

  it('lists every code of the ErrorCode enum, Apollo request errors and the gateway codes as known', () => {
    for (const code of [
      ...Object.values(ErrorCode),
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_PARSE_FAILED',
      'PERSISTED_QUERY_NOT_FOUND',
      'BAD_REQUEST',
      'QUERY_TOO_COMPLEX',
      'GLOBAL_UNAVAILABLE',
    ]) {
      expect(KNOWN_CODES.has(code)).toBe(true);
    }
    expect(KNOWN_CODES.has('DOWNSTREAM_SERVICE_ERROR')).toBe(false);
  });

  it('never allows the extensions that carry internals', () => {
    for (const name of ['response', 'exception', 'stacktrace', 'serviceName', 'http', 'meta', 'cause', 'originalError'])
      expect(CLIENT_EXTENSIONS.has(name)).toBe(false);
  });
});

describe("a cell's row message", () => {
  it("passes the router's fixed text and replaces anything internal", () => {
    expect(clientCellMessage('UNAVAILABLE', 'connection refused')).toBe('connection refused');
    expect(clientCellMessage('ERROR', null)).toBeNull();
    expect(clientCellMessage('ERROR', 'Invalid `prisma.$queryRaw()` invocation: Raw query failed. Code: `22007`')).toBe(
      'cell answered with an error',
    );
    expect(clientCellMessage('UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:5432')).toBe('cell unavailable');
    expect(clientCellMessage('TIMEOUT', 'timeout at http://10.0.0.5:4011/graphql')).toBe('cell did not answer in time');
  });
});

describe('one formatter per process', () => {
  it('logs the original of what it changed with the request id it remembered', async () => {
    const { logger, lines } = capturingLogger();
    const errors = clientErrors<{ requestId: string }>(logger);
    const original = new GraphQLError('Invalid `prisma.x()` invocation', {
      path: ['instances'],
      originalError: new Error('Raw query failed. Code: 22021'),
    });
    const hooks = await errors.plugin.requestDidStart!({ contextValue: { requestId: 'req-9' } } as never);
    await hooks!.didEncounterErrors!({ errors: [original] } as never);
    const answer = errors.formatError(
      { message: original.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      original,
    );
    expect(answer).toEqual({
      message: INTERNAL_MESSAGE,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-9' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      requestId: 'req-9',
      msg: 'error answered as internal error',
      err: { message: 'Raw query failed. Code: 22021' },
    });
  });

  it('leaves internal errors to a process that logs them itself, with its own message', async () => {
    const { logger, lines } = capturingLogger();
    const errors = clientErrors<{ requestId: string }>(logger, undefined, {
      internalMessage: 'internal error in cell',
      logInternal: false,
    });
    const original = new GraphQLError('boom', { path: ['instances'] });
    const hooks = await errors.plugin.requestDidStart!({ contextValue: { requestId: 'req-3' } } as never);
    await hooks!.didEncounterErrors!({ errors: [original] } as never);
    expect(
      errors.formatError(
        { message: 'boom', path: ['instances'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        original,
      ),
    ).toEqual({
      message: 'internal error in cell',
      path: ['instances'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-3' },
    });
    expect(lines).toEqual([]);
  });

  it('logs nothing for an error it keeps', () => {
    const { logger, lines } = capturingLogger();
    const errors = clientErrors(logger);
    errors.formatError(
      { message: 'flavor "9" not found', extensions: { code: 'NOT_FOUND', id: '9' } },
      new GraphQLError('flavor "9" not found'),
    );
    expect(lines).toEqual([]);
  });

  it('runs the process classifier first', () => {
    const errors = clientErrors(pino({ level: 'silent' }), (formatted) => ({
      ...formatted,
      message: 'cell database refuses connections',
      extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_REFUSED' },
    }));
    expect(
      errors.formatError({ message: 'raw', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new Error('raw')),
    ).toEqual({
      message: 'cell database refuses connections',
      extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_REFUSED' },
    });
  });
});
