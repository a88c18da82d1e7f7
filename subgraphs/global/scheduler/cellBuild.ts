import { identityHeaders, SERVICE_IDENTITY } from '../../shared/identity';

/** The BuildInstanceInput of the cell SDL. */
export interface CellBuildInput {
  uuid: string;
  projectId: string;
  userId: string;
  displayName: string;
  host?: string | null;
  node?: string | null;
  flavor: { id: string; flavorid: string; name: string; memoryMb: number; vcpus: number; rootGb: number; ephemeralGb: number; swap: number; extraSpecs?: Record<string, string | null> };
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
}

/** Partial failure is data: the cell built the server, or why not. */
export type BuildOutcome = { ok: true } | { ok: false; reason: string };

const BUILD = 'mutation Build($input: BuildInstanceInput!) { buildInstance(input: $input) { uuid } }';

/**
 * Calls a cell subgraph's internal buildInstance directly (not through the gateway)
 * with the internal secret and the service identity. Never throws: an unreachable
 * cell, a timeout, an HTTP error or a GraphQL error is a failed outcome.
 */
export async function buildInCell(graphqlUrl: string, input: CellBuildInput, options: { secret: string; timeoutMs: number }): Promise<BuildOutcome> {
  try {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...identityHeaders(SERVICE_IDENTITY, options.secret, input.requestId) },
      body: JSON.stringify({ query: BUILD, variables: { input } }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as { data?: { buildInstance?: { uuid: string } | null }; errors?: { message: string; extensions?: { code?: string } }[] } | null;
    if (body?.data?.buildInstance?.uuid === input.uuid) return { ok: true };
    const error = body?.errors?.[0];
    if (error) return { ok: false, reason: `${error.extensions?.code ?? 'ERROR'}: ${error.message}` };
    return { ok: false, reason: `HTTP ${response.status}` };
  } catch (err) {
    const e = err as Error;
    return { ok: false, reason: e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : `unreachable: ${e.message}` };
  }
}
