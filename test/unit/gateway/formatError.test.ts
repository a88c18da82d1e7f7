import { GraphQLError } from 'graphql';
import { classifyGatewayError, gatewayErrors } from '../../../gateway/formatError';
import { silentLogger } from '../../../infrastructure/logger';
import { leaksIn } from '../../helpers/leaks';

const format = gatewayErrors(silentLogger()).formatError;

// What @apollo/gateway's RemoteGraphQLDataSource throws for a non-2xx answer.
const httpFailure = {
  message: '502: Bad Gateway',
  extensions: {
    code: 'INTERNAL_SERVER_ERROR',
    response: {
      url: 'http://127.0.0.1:4001/graphql',
      status: 502,
      statusText: 'Bad Gateway',
      body: '<html>upstream postgres://u@10.0.0.1:5432</html>',
    },
  },
};

describe('errors leaving the gateway', () => {
  it('answer a non-2xx answer of the global subgraph as GLOBAL_UNAVAILABLE, without its URL or body', () => {
    const answer = format(httpFailure, new GraphQLError(httpFailure.message, { extensions: httpFailure.extensions }));
    expect(answer).toEqual({
      message: 'the global subgraph answered HTTP 502',
      extensions: { code: 'GLOBAL_UNAVAILABLE', status: 502 },
    });
  });

  it("pass on the global subgraph's own refusal of the request in a 400", () => {
    const refused = {
      ...httpFailure.extensions,
      response: {
        ...httpFailure.extensions.response,
        status: 400,
        body: {
          errors: [
            {
              message: 'DateTime: expected an ISO-8601 string, got "x"',
              extensions: { code: 'BAD_USER_INPUT', field: 'changesSince' },
            },
          ],
        },
      },
    };
    const answer = format(
      { message: '400: Bad Request', extensions: refused },
      new GraphQLError('400: Bad Request', { extensions: refused }),
    );
    expect(answer).toEqual({
      message: 'DateTime: expected an ISO-8601 string, got "x"',
      extensions: { code: 'BAD_USER_INPUT', field: 'changesSince' },
    });
  });

  it('answer a socket failure to the global subgraph as GLOBAL_UNAVAILABLE', () => {
    const fetchError = Object.assign(
      new Error('request to http://127.0.0.1:4001/graphql failed, reason: connect ECONNREFUSED 127.0.0.1:4001'),
      { name: 'FetchError', code: 'ECONNREFUSED' },
    );
    const answer = format({ message: fetchError.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, fetchError);
    expect(answer).toEqual({
      message: 'the global subgraph did not answer',
      extensions: { code: 'GLOBAL_UNAVAILABLE' },
    });
  });

  it("drop the planner's serviceName and keep a subgraph's coded error", () => {
    const formatted = {
      message: 'flavor "9" not found',
      path: ['flavor'],
      extensions: { code: 'NOT_FOUND', id: '9', serviceName: 'global' },
    };
    expect(format(formatted, new GraphQLError(formatted.message))).toEqual({
      message: 'flavor "9" not found',
      path: ['flavor'],
      extensions: { code: 'NOT_FOUND', id: '9' },
    });
  });

  it("hide a subgraph's internal error and the gateway's own unknown codes", () => {
    for (const code of ['INTERNAL_SERVER_ERROR', 'DOWNSTREAM_SERVICE_ERROR']) {
      const answer = format(
        {
          message: 'Invalid `prisma.instance.findMany()` invocation: connect ECONNREFUSED 127.0.0.1:5432',
          extensions: { code, serviceName: 'cell' },
        },
        new Error('x'),
      );
      expect(answer).toEqual({ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    }
  });

  it('leave an error it does not recognise to the shared rules', () => {
    const formatted = { message: 'x', extensions: { code: 'BAD_USER_INPUT' } };
    expect(classifyGatewayError(formatted, new GraphQLError('x'))).toBe(formatted);
  });

  it('let nothing of the leak list through', () => {
    const answer = format(httpFailure, new GraphQLError(httpFailure.message, { extensions: httpFailure.extensions }));
    expect(leaksIn(JSON.stringify(answer))).toEqual([]);
  });
});
