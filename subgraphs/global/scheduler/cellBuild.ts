import { identityHeaders, SERVICE_IDENTITY } from '../../../domain/identity';

/** The BuildInstanceInput of the cell SDL. */
export interface CellBuildInput {
  uuid: string;
  projectId: string;
  userId: string;
  displayName: string;
  host?: string | null;
  node?: string | null;
  flavor: {
    id: string;
    flavorid: string;
    name: string;
    memoryMb: number;
    vcpus: number;
    rootGb: number;
    ephemeralGb: number;
    swap: number;
    extraSpecs?: Record<string, string | null>;
  };
  imageRef: string;
  keyName?: string | null;
  keyData?: string | null;
  availabilityZone?: string | null;
  launchIndex: number;
  reservationId: string;
  metadata: { key: string; value: string }[];
  securityGroups: string[];
  fault?: { code: number; message: string; details?: string | null } | null;
  requestId: string;
  /** The node generation the host was chosen at (hostClaim refuses a node that moved). */
  expectedGeneration?: number | null;
  /** ISO time after which the cell must not commit the build. */
  deadline?: string | null;
}

/**
 * Partial failure is data: the cell built the server, or why not.
 * - `stale`: the host's claim was refused (the node moved, or is full): read it again and re-pick;
 * - `timeout`: no answer in time, so the cell may still be writing it (reconcile before moving on);
 * - `down`: the cell could not build at all (unreachable, 5xx, not JSON, its database or broker down);
 * - `refused`: the cell answered that this build cannot be done there.
 */
/**
 * How one build went. `unsent` marks a cell that refused the connection, so the build
 * provably never reached it; any other `down` may have reached it and committed.
 */
export type BuildOutcome =
  { ok: true } | { ok: false; kind: 'stale' | 'timeout' | 'down' | 'refused'; reason: string; unsent?: boolean };

const BUILD = 'mutation Build($input: BuildInstanceInput!) { buildInstance(input: $input) { uuid } }';

// Codes a cell answers when it cannot build anything right now, rather than not this build.
const CELL_DOWN_CODES = new Set(['CELL_UNAVAILABLE', 'BROKER_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'UNAUTHENTICATED']);
const STALE_REASONS = new Set(['CLAIM_CONFLICT', 'HOST_FULL']);

/**
 * Calls a cell subgraph's internal buildInstance directly (not through the gateway)
 * with the internal secret and the service identity. Never throws: an unreachable
 * cell, a timeout, an HTTP error or a GraphQL error is a failed outcome.
 */
export async function buildInCell(
  graphqlUrl: string,
  input: CellBuildInput,
  options: { secret: string; timeoutMs: number },
): Promise<BuildOutcome> {
  try {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...identityHeaders(SERVICE_IDENTITY, options.secret, input.requestId),
      },
      body: JSON.stringify({ query: BUILD, variables: { input } }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = (await response.json().catch((err: Error) => {
      if (err.name === 'TimeoutError') throw err;
      return null;
    })) as {
      data?: { buildInstance?: { uuid: string } | null };
      errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
    } | null;
    if (body?.data?.buildInstance?.uuid === input.uuid) return { ok: true };
    const error = body?.errors?.[0];
    if (error) {
      const code = error.extensions?.code ?? 'ERROR';
      const reason = `${code}: ${error.message}`;
      if (STALE_REASONS.has(error.extensions?.reason ?? '')) return { ok: false, kind: 'stale', reason };
      return { ok: false, kind: CELL_DOWN_CODES.has(code) || response.status >= 500 ? 'down' : 'refused', reason };
    }
    return { ok: false, kind: 'down', reason: `HTTP ${response.status}` };
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError')
      return { ok: false, kind: 'timeout', reason: `no answer within ${options.timeoutMs} ms` };
    if ((e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED')
      return { ok: false, kind: 'down', reason: 'unreachable: connection refused', unsent: true };
    return { ok: false, kind: 'down', reason: `unreachable: ${e.message}` };
  }
}
