import { CELL0_UUID, isCell0 } from '../../../cellsAdmin';
import type { ApiClient } from '../../../prisma/clients';
import type { Logger } from '../../../infrastructure/logger';
import { BURIED, type UsageScope } from '../../../domain/quotas/bootUsage';
import { serverAmounts } from '../../../domain/quotas/serverAmounts';
import { abandonBuild, settleBuild } from './buildRecords';
import { buildInCell, type CellBuildInput } from './cellBuild';
import type { CellPool } from './cellPool';
import { NO_VALID_HOST } from './createServers';
import { findInCells } from './reconcile';
import { parseBuildRequestInstance, parseRequestSpec } from '../../../domain/requestSpec';

export interface BuildReaperDeps {
  api: ApiClient;
  pool: CellPool;
  internalSecret: string;
  /** Budget for each cell database look-up and for cell0's answer. */
  cellTimeoutMs: number;
  logger: Logger;
}

/** What one round did with each stranded build request (uuids). */
export interface ReapResult {
  /** A cell held the server: its mapping now points there and its reservation became usage. */
  settled: string[];
  /** No cell held it: recorded in cell0 in ERROR with a fault, counting one instance. */
  buried: string[];
  /** No cell0 to record it in: forgotten and its reservation given back. */
  released: string[];
  /** Left for the next round: a cell did not answer (it may hold the server), or cell0 failed. */
  left: string[];
}

/** Build requests one round takes on, oldest first. */
const BATCH = 100;

/**
 * Takes over build requests older than `olderThanMs`, which no createServer is working
 * on any more (its budget and its cell0 write are over: the global subgraph crashed, or
 * a step threw). For each, asks every cell's database whether it holds the server
 * (reconcile by uuid): if one does, the mapping is completed there; if none does and
 * every cell answered, the server is buried in cell0 as createServer would have. Either
 * way the reservation is converted (settleBuild) exactly once, so a createServer that
 * finishes late, or a second reaper, changes nothing. A cell that does not answer
 * leaves its candidates for the next round rather than guessing.
 */
export async function reapBuilds(
  deps: BuildReaperDeps,
  options: { olderThanMs: number; now?: Date },
): Promise<ReapResult> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.olderThanMs);
  const result: ReapResult = { settled: [], buried: [], released: [], left: [] };
  const stranded = await deps.api.buildRequest.findMany({
    where: { createdAt: { lt: cutoff } },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });
  if (stranded.length === 0) return result;
  const uuids = stranded.map((b) => b.instanceUuid);
  const [cells, specs] = await Promise.all([
    deps.api.cellMapping.findMany({ orderBy: { id: 'asc' } }),
    deps.api.requestSpec.findMany({
      where: { instanceUuid: { in: uuids } },
      select: { instanceUuid: true, spec: true },
    }),
  ]);
  const lookups = await findInCells(deps.pool, cells, uuids, deps.cellTimeoutMs);
  const silent = lookups.filter((l) => !l.ok);
  const specOf = new Map(specs.map((s) => [s.instanceUuid, s.spec]));
  for (const build of stranded) {
    const uuid = build.instanceUuid;
    const scope: UsageScope = { projectId: build.projectId, userId: build.userId ?? '' };
    const reserved = serverAmounts(false, specOf.get(uuid));
    const holders = cells.filter((cell) =>
      lookups.some((l) => l.ok && l.cellId === cell.id && l.held.some((h) => h.uuid === uuid)),
    );
    // A host's cell before cell0: a server built and also buried is a bug to log, and the built one is the real one.
    const holder = holders.find((c) => !isCell0(c)) ?? holders[0];
    if (holders.length > 1)
      deps.logger.error(
        { uuid, cells: holders.map((c) => c.uuid) },
        'build reaper: a stranded server is held by more than one cell',
      );
    if (holder) {
      if (await settleBuild(deps.api, scope, uuid, holder.id, reserved, isCell0(holder) ? BURIED : reserved))
        result.settled.push(uuid);
      continue;
    }
    if (silent.length > 0) {
      result.left.push(uuid);
      continue;
    }
    const cell0 = cells.find((c) => c.uuid === CELL0_UUID && c.graphqlUrl);
    if (!cell0) {
      if (await abandonBuild(deps.api, scope, uuid, reserved)) result.released.push(uuid);
      continue;
    }
    const why = `Its createServer did not finish within ${options.olderThanMs} ms; the build reaper recorded it.`;
    const input = await cell0Input(deps.api, build, specOf.get(uuid), {
      code: 500,
      message: `${NO_VALID_HOST} ${why}`,
      details: why,
    });
    const outcome = await buildInCell(cell0.graphqlUrl!, input, {
      secret: deps.internalSecret,
      timeoutMs: deps.cellTimeoutMs,
    });
    if (!outcome.ok) {
      deps.logger.warn(
        { uuid, reason: outcome.reason },
        'build reaper: cell0 did not record a stranded server; trying again next round',
      );
      result.left.push(uuid);
      continue;
    }
    if (await settleBuild(deps.api, scope, uuid, cell0.id, reserved, BURIED)) result.buried.push(uuid);
  }
  if (silent.length > 0)
    deps.logger.warn(
      { cells: silent.map((l) => l.cellId), left: result.left.length },
      'build reaper: cells did not answer; their candidates wait for the next round',
    );
  deps.logger.info(
    { ...Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.length])) },
    'build reaper: round done',
  );
  return result;
}

/** Runs reapBuilds every `intervalMs` (never two rounds at once) until stop(). */
export function startBuildReaper(
  deps: BuildReaperDeps,
  options: { intervalMs: number; olderThanMs: number },
): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = reapBuilds(deps, { olderThanMs: options.olderThanMs })
      .catch((err) => deps.logger.error({ err }, 'build reaper: round failed'))
      .finally(() => {
        running = null;
      });
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

// The cell0 record of a stranded server, from what its build request and request spec kept.
async function cell0Input(
  api: ApiClient,
  build: { instanceUuid: string; projectId: string; userId: string | null; instance: string | null },
  spec: string | undefined,
  fault: NonNullable<CellBuildInput['fault']>,
): Promise<CellBuildInput> {
  const kept = parseBuildRequestInstance(build.instance);
  const parts = parseRequestSpec(spec);
  const row =
    parts.flavor ??
    (kept.flavorId != null ? await api.instanceType.findUnique({ where: { id: kept.flavorId } }) : null);
  const flavor = row
    ? {
        id: String(row.id),
        flavorid: row.flavorid,
        name: row.name,
        memoryMb: row.memoryMb,
        vcpus: row.vcpus,
        rootGb: row.rootGb,
        ephemeralGb: row.ephemeralGb,
        swap: row.swap,
      }
    : { id: '0', flavorid: 'unknown', name: 'unknown', memoryMb: 0, vcpus: 0, rootGb: 0, ephemeralGb: 0, swap: 0 };
  return {
    uuid: build.instanceUuid,
    projectId: build.projectId,
    userId: build.userId ?? '',
    displayName: kept.displayName ?? build.instanceUuid,
    host: null,
    node: null,
    flavor,
    imageRef: kept.imageRef ?? parts.imageRef ?? 'unknown',
    availabilityZone: kept.availabilityZone ?? parts.availabilityZone ?? 'nova',
    launchIndex: kept.launchIndex ?? 0,
    reservationId: kept.reservationId ?? `r-reaped`,
    metadata: [],
    securityGroups: parts.securityGroups,
    fault,
    requestId: `req-reap-${build.instanceUuid}`,
  };
}
