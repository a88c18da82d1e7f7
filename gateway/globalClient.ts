import type { Identity } from '../domain/identity';
import { identityHeaders, SERVICE_IDENTITY } from '../domain/identity';
import { fail, succeed, type Failure, type Outcome } from '../domain/outcome';
import type { CellInfo } from './cellRouter/cellClient';
import { GlobalUnavailableError, type GlobalFailure, type GlobalTransport } from './globalTransport';

export { GlobalUnavailableError } from './globalTransport';

/** Why a call to the global subgraph failed: `reason` says how; `message` is fixed per cause, `detail` is for the logs. */
export interface GlobalCallFailure extends Failure {
  reason: GlobalFailure;
}

/** What a call to the global subgraph came to. No method of GlobalClient rejects for an outage or a wrong answer. */
export type GlobalOutcome<T> = Outcome<T, GlobalCallFailure>;

/** The failure a caught GlobalUnavailableError (or anything else) stands for. */
export function globalFailure(err: unknown): GlobalCallFailure {
  if (err instanceof GlobalUnavailableError) return { message: err.message, reason: err.reason, detail: err.code };
  return { message: 'global subgraph answered wrongly', reason: 'ERROR', detail: (err as Error)?.message };
}

/** An instance mapping as the router needs it. */
export interface MappingInfo {
  instanceUuid: string;
  projectId: string;
  userId: string | null;
  queuedForDelete: boolean;
  cellUuid: string | null;
}

/**
 * An instance as the API database knows it, for a minimal (UNKNOWN) record when its
 * cell does not answer: the mapping, and flavor and zone from the request spec.
 */
export interface KnownInstance extends MappingInfo {
  createdAt: string | null;
  flavor: { id: string } | null;
  availabilityZone: string | null;
}

/** An accepted server no cell holds yet (a build request). */
export interface BuildRequestInfo {
  instanceUuid: string;
  projectId: string;
  userId: string | null;
  displayName: string | null;
  createdAt: string;
  flavor: { id: string } | null;
  imageRef: string | null;
  availabilityZone: string | null;
}

/** What a list's filter says about build requests; the global subgraph applies it in SQL. */
export interface BuildRequestFilter {
  name?: string | null;
  userId?: string | null;
  changesSince?: string | null;
}

const MAPPING_FIELDS = 'instanceUuid projectId userId queuedForDelete cellUuid';
const KNOWN_FIELDS = `${MAPPING_FIELDS} createdAt flavor { id } availabilityZone`;
const CELL_FIELDS = 'uuid name disabled graphqlUrl';

/**
 * The router's own calls to the global subgraph (cells, instance mappings), made with
 * the service identity and the internal secret. Counts its requests for metrics and
 * benchmarks. Every method answers a GlobalOutcome: the caller reads `ok`, never catches.
 */
export class GlobalClient {
  requests = 0;

  /** `transport` is the gateway's pool to the global subgraph (its deadline is CELLS_GLOBAL_TIMEOUT_MS). */
  constructor(
    private readonly transport: GlobalTransport,
    private readonly secret: string,
  ) {}

  async cells(): Promise<GlobalOutcome<CellInfo[]>> {
    return then(await this.query<{ cells: CellInfo[] }>(`{ cells { ${CELL_FIELDS} } }`), (data) => data.cells);
  }

  /** Every cell with its (masked) transport URL, for the event streams (gateway/events). */
  async cellTransports(): Promise<GlobalOutcome<{ uuid: string; name: string | null; transportUrl: string | null }[]>> {
    const answer = await this.query<{ cells: { uuid: string; name: string | null; transportUrl: string | null }[] }>(
      '{ cells { uuid name transportUrl } }',
    );
    return then(answer, (data) => data.cells);
  }

  /** Mappings of up to 1000 uuids (the global subgraph's bound); unknown uuids are absent. */
  async mappingsByUuid(uuids: string[], requestId?: string): Promise<GlobalOutcome<MappingInfo[]>> {
    const answer = await this.query<{ instanceMappings: MappingInfo[] }>(
      // Queued-for-delete instances still live in their cell (admins can list them).
      `query($uuids: [ID!]) { instanceMappings(uuids: $uuids, includeQueuedForDelete: true) { ${MAPPING_FIELDS} } }`,
      { uuids },
      requestId,
    );
    return then(answer, (data) => data.instanceMappings);
  }

  /**
   * What the API database knows of live (not queued-for-delete) instances in `cellUuids`
   * (UNKNOWN records), of one project or (null) all: up to `first`, by instance uuid,
   * after `afterUuid`.
   */
  async knownInstancesInCells(
    options: { cellUuids: string[]; projectId: string | null; afterUuid: string | null; first: number },
    requestId?: string,
  ): Promise<GlobalOutcome<KnownInstance[]>> {
    const answer = await this.query<{ instanceMappings: KnownInstance[] }>(
      `query($cellUuids: [ID!], $projectId: String, $afterUuid: ID, $first: Int) {
        instanceMappings(cellUuids: $cellUuids, projectId: $projectId, afterUuid: $afterUuid, first: $first, order: UUID) { ${KNOWN_FIELDS} } }`,
      options,
      requestId,
    );
    return then(answer, (data) => data.instanceMappings);
  }

  /** The host mappings of one cell (Nova's host_mappings), for records of a cell that did not answer. */
  async hostsOfCell(cellUuid: string, requestId?: string): Promise<GlobalOutcome<string[]>> {
    const answer = await this.query<{ hosts: { host: string }[] }>(
      'query($cellUuid: ID) { hosts(cellUuid: $cellUuid) { host } }',
      { cellUuid },
      requestId,
    );
    return then(answer, (data) => data.hosts.map((h) => h.host));
  }

  /** What the API database knows of one instance (queued for delete or not); null without a mapping. */
  async knownInstance(uuid: string, requestId?: string): Promise<GlobalOutcome<KnownInstance | null>> {
    const answer = await this.query<{ instanceMappings: KnownInstance[] }>(
      `query($uuids: [ID!]) { instanceMappings(uuids: $uuids, includeQueuedForDelete: true) { ${KNOWN_FIELDS} } }`,
      { uuids: [uuid] },
      requestId,
    );
    return then(answer, (data) => data.instanceMappings[0] ?? null);
  }

  /**
   * What a list needs from the global subgraph, in one request: the cells holding live
   * instances of `projectId` (when `cellsOf` is set) and the build requests of that
   * project, or (projectId null) of every project (when `builds` is set), filtered by
   * the global subgraph in SQL (`buildFilter`, the list's own filter).
   */
  async listContext(
    options: {
      projectId: string | null;
      cellsOf: boolean;
      builds: boolean;
      uuids: string[] | null;
      buildFilter?: BuildRequestFilter;
    },
    requestId?: string,
  ): Promise<GlobalOutcome<ListContext>> {
    if (!options.cellsOf && !options.builds) return succeed({ cellUuids: null, buildRequests: null });
    const variables: string[] = [];
    const fields: string[] = [];
    if (options.cellsOf) {
      variables.push('$projectId: String!');
      fields.push('projectCells(projectId: $projectId) { uuid }');
    }
    if (options.builds) {
      if (!options.cellsOf) variables.push('$projectId: String');
      variables.push(
        '$allProjects: Boolean',
        '$uuids: [ID!]',
        '$name: String',
        '$userId: String',
        '$changesSince: DateTime',
      );
      fields.push(`buildRequests(projectId: $projectId, allProjects: $allProjects, uuids: $uuids, name: $name, userId: $userId, changesSince: $changesSince) {
        instanceUuid projectId userId displayName createdAt flavor { id } imageRef availabilityZone }`);
    }
    const { name = null, userId = null, changesSince = null } = options.buildFilter ?? {};
    const answer = await this.query<{ projectCells?: { uuid: string }[]; buildRequests?: BuildRequestInfo[] }>(
      `query(${variables.join(', ')}) { ${fields.join('\n')} }`,
      options.builds
        ? {
            projectId: options.projectId,
            allProjects: options.projectId === null,
            uuids: options.uuids,
            name,
            userId,
            changesSince,
          }
        : { projectId: options.projectId },
      requestId,
    );
    return then(answer, (data) => ({
      cellUuids: data.projectCells?.map((c) => c.uuid) ?? null,
      buildRequests: data.buildRequests ?? null,
    }));
  }

  /** Null when PostgreSQL accepts `pattern` as a regular expression, else its reason (the cells' `~` semantics). */
  async namePatternError(pattern: string, requestId?: string): Promise<GlobalOutcome<string | null>> {
    const answer = await this.query<{ namePatternError: string | null }>(
      'query($pattern: String!) { namePatternError(pattern: $pattern) }',
      { pattern },
      requestId,
    );
    return then(answer, (data) => data.namePatternError);
  }

  private async query<T>(
    query: string,
    variables: Record<string, unknown> = {},
    requestId?: string,
    identity: Identity = SERVICE_IDENTITY,
  ): Promise<GlobalOutcome<T>> {
    this.requests++;
    let answer;
    try {
      // Every call here is a read: one reset on a reused idle socket may be sent again.
      answer = await this.transport.post(
        JSON.stringify({ query, variables }),
        identityHeaders(identity, this.secret, requestId),
        true,
      );
    } catch (err) {
      return fail(globalFailure(err)); // the transport's one way to fail: a GlobalUnavailableError
    }
    let body: { data?: T; errors?: { message: string }[] } = {};
    try {
      body = JSON.parse(answer.body);
    } catch {
      // not JSON: reported below as an answer without data
    }
    if (!body.data || body.errors?.length) {
      return fail<GlobalCallFailure>({
        message: `global subgraph answered HTTP ${answer.status}`,
        reason: 'ERROR',
        detail: body.errors?.[0]?.message ?? 'no data',
      });
    }
    return succeed(body.data);
  }
}

/** What a list needs from the API database (GlobalClient.listContext). */
export interface ListContext {
  cellUuids: string[] | null;
  buildRequests: BuildRequestInfo[] | null;
}

// The value of a successful answer, read with `read`; a failure passes through as it is.
function then<T, U>(outcome: GlobalOutcome<T>, read: (value: T) => U): GlobalOutcome<U> {
  return outcome.ok ? succeed(read(outcome.value)) : outcome;
}
