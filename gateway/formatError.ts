import type { GraphQLFormattedError } from 'graphql';
import { clientErrors, type ClientErrors } from '../domain/clientError';
import type { Logger } from '../infrastructure/logger';
import type { GatewayContext } from './context';
import { ErrorCode } from '../domain/errors';
import { ApolloServerErrorCode } from '@apollo/server/errors';

/**
 * The gateway's error formatter: what the subgraphs, the cell router and the gateway
 * itself raise, as the client may see it (domain/clientError.ts). Before that,
 * a failed call to the global subgraph becomes GLOBAL_UNAVAILABLE: Apollo's data source
 * throws it with the subgraph's URL, status and body, or the socket error's text.
 */
export function gatewayErrors(logger: Logger): ClientErrors<GatewayContext> {
  return clientErrors<GatewayContext>(logger, classifyGatewayError);
}

/** Only the global subgraph sits behind Apollo's RemoteGraphQLDataSource; the cell router never throws. */
export function classifyGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const position = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  const response = formatted.extensions?.response as { status?: unknown; body?: unknown } | undefined;
  if (response && typeof response.status === 'number') {
    // A 400 whose body is the subgraph's own refusal of the request (a DateTime it could not
    // parse): the caller's error, not an outage. The shared rules still check its text.
    const refusal = requestError(response.body);
    if (response.status >= 400 && response.status < 500 && refusal)
      return { message: refusal.message, ...position, extensions: refusal.extensions };
    return {
      message: `the global subgraph answered HTTP ${response.status}`,
      ...position,
      extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE, status: response.status },
    };
  }
  if ((error as { name?: unknown } | null)?.name === 'FetchError') {
    return {
      message: 'the global subgraph did not answer',
      ...position,
      extensions: { code: ErrorCode.GLOBAL_UNAVAILABLE },
    };
  }
  return formatted;
}

const REQUEST_CODES = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
]);

function requestError(body: unknown): { message: string; extensions: Record<string, unknown> } | null {
  const first = (body as { errors?: { message?: unknown; extensions?: Record<string, unknown> }[] } | null)
    ?.errors?.[0];
  if (typeof first?.message !== 'string' || !REQUEST_CODES.has(String(first.extensions?.code))) return null;
  return { message: first.message, extensions: first.extensions! };
}
