import { randomBytes } from 'node:crypto';
import { CELL0_UUID } from '../../../cellsAdmin';
import { cellsError, ErrorCode } from '../../../domain/errors';
import type { GlobalContext } from '../context';
import { amountsOf, BURIED, type UsageScope } from '../../../domain/quotas/bootUsage';
import { reserveServers } from '../quotas/reserveServers';
import { abandonBuild, settleBuild, writeBuildRecords, type PendingBuild } from './buildRecords';
import { buildInCell, type BuildOutcome, type CellBuildInput } from './cellBuild';
import { CellDown } from './cellHealth';
import { candidateHosts, readCellHosts, type Candidates } from './hostCandidates';
import { claim, pickHost, type HostState } from './pickHost';
import { reconcileTimedOut } from './reconcile';
import { checkServerInput, type CreateServerInput, type ServerRequest } from './serverInput';

export interface CreateServerResult {
  servers: { uuid: string }[];
  reservationId: string;
}

export const NO_VALID_HOST = 'No valid host was found.';

// A claim refused because the host moved is not the host failing: look again, a bounded number of times.
const MAX_STALE_CLAIMS = 50;

/**
 * createServer: check, reserve and record (one transaction), then schedule and build
 * each server; a server no host or cell takes is buried in cell0 with a fault.
 */
export async function createServers(ctx: GlobalContext, input: CreateServerInput): Promise<CreateServerResult> {
  const request = await checkServerInput(ctx, input);
  const scope: UsageScope = { projectId: ctx.identity.projectId, userId: ctx.identity.userId };
  const perServer = amountsOf(request.flavor);
  const reservationId = `r-${randomBytes(4).toString('hex')}`;
  // Waiting for the project's lock behind concurrent boots is expected: generous budgets.
  const builds = await ctx.prisma.$transaction(
    async (tx) =>
      writeBuildRecords(
        tx,
        scope,
        request,
        await reserveServers(tx, scope, perServer, request.minCount, request.maxCount),
        reservationId,
      ),
    { maxWait: 15000, timeout: 20000 },
  );
  const deps = ctx.scheduler;
  const deadline = Date.now() + deps.budgetMs;
  const candidates = await candidateHosts(ctx.prisma, deps.pool, {
    zoneCell: request.zoneCell,
    timeoutMs: deps.cellTimeoutMs,
    health: deps.health,
    logger: ctx.logger,
  });
  const placed: string[] = [];
  const lost: string[] = [];
  for (const build of builds) {
    const scheduled = await scheduleOne(ctx, scope, request, build, candidates, deadline);
    (scheduled ? placed : lost).push(build.instanceUuid);
  }
  if (lost.length > 0) {
    throw cellsError(
      ErrorCode.CELL_UNAVAILABLE,
      `${lost.length} of ${builds.length} servers could be neither built nor recorded in cell0; their quota was released`,
      { created: placed, reservationId },
    );
  }
  return { servers: placed.map((uuid) => ({ uuid })), reservationId };
}

/**
 * Nova's alternates: pick the best host of the cells not known down, build there, and
 * on a failure try the next best in another cell, up to maxAttempts and within the
 * budget. A refused claim (the host moved under a concurrent boot) re-reads that cell
 * and re-picks without counting as an attempt. A build that timed out is reconciled
 * (fence and look) before the server goes anywhere else, so it never lands twice.
 * Answers false only when the server is gone again (not even cell0 took it).
 */
async function scheduleOne(
  ctx: GlobalContext,
  scope: UsageScope,
  request: ServerRequest,
  build: PendingBuild,
  candidates: Candidates,
  deadline: number,
): Promise<boolean> {
  const deps = ctx.scheduler;
  const perServer = amountsOf(request.flavor);
  const failures: string[] = [...candidates.down].map(([uuid, why]) => `${cellLabel(candidates, uuid)}: ${why}`);
  const excluded = new Set(candidates.down.keys());
  let attempts = 0;
  let stale = 0;
  let why = 'There are not enough hosts available.';
  schedule: for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      why = `The createServer budget of ${deps.budgetMs} ms ran out.`;
      break;
    }
    if (attempts >= deps.maxAttempts) {
      why = `The build failed in ${attempts} cell${attempts === 1 ? '' : 's'} (max_attempts ${deps.maxAttempts}).`;
      break;
    }
    const host = pickHost(
      candidates.hosts.filter((h) => !excluded.has(h.cellUuid)),
      request.flavor,
    );
    if (!host) break;
    const outcome = await attempt(
      ctx,
      request,
      build,
      host,
      Math.min(deps.cellTimeoutMs, remaining),
      candidates.forced.has(host.cellUuid),
    );
    if (outcome.ok) {
      claim(host, request.flavor);
      await settleBuild(ctx.prisma, scope, build.instanceUuid, host.cellId, perServer, perServer);
      return true;
    }
    const label = `${host.cellName ?? host.cellUuid} (${host.host})`;
    switch (outcome.kind) {
      case 'stale':
        if (++stale > MAX_STALE_CLAIMS) {
          why = 'Host capacity kept changing under concurrent boots.';
          break schedule;
        }
        await refreshCell(ctx, candidates, host.cellUuid);
        continue;
      case 'down':
      case 'timeout': {
        // Only a refused connection proves the build never reached the cell: a reset, a
        // 5xx or a failed clean-up may follow a committed build that the cell's outbox
        // relay still delivers, so look before trying elsewhere, as after a timeout.
        if ((outcome as { unsent?: boolean }).unsent) break;
        const cell = candidates.cells.find((c) => c.uuid === host.cellUuid)!;
        const presence = await reconcileTimedOut(
          deps.pool.client(cell.databaseConnection),
          host.host,
          build.instanceUuid,
          deps.cellTimeoutMs,
          ctx.logger,
        );
        if (presence === 'built') {
          ctx.logger.warn(
            { uuid: build.instanceUuid, cell: host.cellUuid },
            'scheduler: the cell built the server although its answer failed or timed out; keeping it there',
          );
          claim(host, request.flavor);
          await settleBuild(ctx.prisma, scope, build.instanceUuid, host.cellId, perServer, perServer);
          return true;
        }
        break;
      }
      case 'skipped':
        excluded.add(host.cellUuid);
        failures.push(`${label}: ${outcome.reason}`);
        continue;
      case 'refused':
        break;
      default: {
        const never: never = outcome.kind;
        throw new Error(`unknown build outcome ${String(never)}`);
      }
    }
    if (outcome.kind === 'timeout' || outcome.kind === 'down') candidates.down.set(host.cellUuid, outcome.reason);
    ctx.logger.warn(
      { uuid: build.instanceUuid, cell: host.cellUuid, host: host.host, kind: outcome.kind, reason: outcome.reason },
      'scheduler: the chosen cell did not build the server; trying the next candidate',
    );
    excluded.add(host.cellUuid);
    failures.push(`${label}: ${outcome.reason}`);
    attempts++;
  }
  if (failures.length > 0) why = `${why} ${failures.join('; ')}`;
  return bury(ctx, scope, request, build, why);
}

type AttemptOutcome =
  { ok: true } | { ok: false; kind: Exclude<BuildOutcome, { ok: true }>['kind'] | 'skipped'; reason: string };

// One build through the cell's circuit: a cell down or silent opens it for the cool-down.
async function attempt(
  ctx: GlobalContext,
  request: ServerRequest,
  build: PendingBuild,
  host: HostState,
  timeoutMs: number,
  force: boolean,
): Promise<AttemptOutcome> {
  const deps = ctx.scheduler;
  const input: CellBuildInput = {
    ...cellInput(ctx, request, build, host.host),
    expectedGeneration: host.generation,
    deadline: new Date(Date.now() + timeoutMs).toISOString(),
  };
  try {
    const guarded = await deps.health.run(
      host.cellUuid,
      async () => {
        const outcome = await buildInCell(host.graphqlUrl, input, { secret: deps.internalSecret, timeoutMs });
        if (!outcome.ok && (outcome.kind === 'down' || outcome.kind === 'timeout')) throw new CellDown(outcome);
        return outcome;
      },
      { force },
    );
    return guarded.ran
      ? guarded.value
      : { ok: false, kind: 'skipped', reason: `skipped: down since ${guarded.downSince.toISOString()}` };
  } catch (err) {
    if (err instanceof CellDown) return err.outcome as BuildOutcome;
    throw err;
  }
}

// The claim said our view of the cell is old: read its hosts again (or drop them if it fails now).
async function refreshCell(ctx: GlobalContext, candidates: Candidates, cellUuid: string): Promise<void> {
  const cell = candidates.cells.find((c) => c.uuid === cellUuid)!;
  const read = await readCellHosts(ctx.scheduler.pool, cell, {
    timeoutMs: ctx.scheduler.cellTimeoutMs,
    health: ctx.scheduler.health,
    logger: ctx.logger,
  });
  candidates.hosts = [...candidates.hosts.filter((h) => h.cellUuid !== cellUuid), ...(read.ok ? read.hosts : [])];
  if (!read.ok) candidates.down.set(cellUuid, read.reason);
}

// No cell took it: record it in cell0 in ERROR with a fault saying why (Nova's bury_in_cell0).
async function bury(
  ctx: GlobalContext,
  scope: UsageScope,
  request: ServerRequest,
  build: PendingBuild,
  why: string,
): Promise<boolean> {
  const deps = ctx.scheduler;
  const perServer = amountsOf(request.flavor);
  const cell0 = await ctx.prisma.cellMapping.findUnique({ where: { uuid: CELL0_UUID } });
  if (cell0?.graphqlUrl) {
    const fault = { code: 500, message: `${NO_VALID_HOST} ${why}`, details: why };
    const outcome = await buildInCell(
      cell0.graphqlUrl,
      { ...cellInput(ctx, request, build, null), fault },
      { secret: deps.internalSecret, timeoutMs: deps.cellTimeoutMs },
    );
    if (outcome.ok) {
      await settleBuild(ctx.prisma, scope, build.instanceUuid, cell0.id, perServer, BURIED);
      return true;
    }
    why = `${why}; cell0: ${outcome.reason}`;
  }
  ctx.logger.error(
    { uuid: build.instanceUuid, why },
    'scheduler: cell0 could not record a server that was not built; dropping it',
  );
  await abandonBuild(ctx.prisma, scope, build.instanceUuid, perServer);
  return false;
}

function cellLabel(candidates: Candidates, uuid: string): string {
  return candidates.cells.find((c) => c.uuid === uuid)?.name ?? uuid;
}

function cellInput(
  ctx: GlobalContext,
  request: ServerRequest,
  build: PendingBuild,
  host: string | null,
): CellBuildInput {
  const f = request.flavor;
  return {
    uuid: build.instanceUuid,
    projectId: ctx.identity.projectId,
    userId: ctx.identity.userId,
    displayName: build.displayName,
    host,
    node: host,
    flavor: {
      id: String(f.id),
      flavorid: f.flavorid,
      name: f.name,
      memoryMb: f.memoryMb,
      vcpus: f.vcpus,
      rootGb: f.rootGb,
      ephemeralGb: f.ephemeralGb,
      swap: f.swap,
      extraSpecs: Object.fromEntries(f.extraSpecs.map((s) => [s.key, s.value])),
    },
    imageRef: request.imageRef,
    keyName: request.keyPair?.name ?? null,
    keyData: request.keyPair?.publicKey ?? null,
    availabilityZone: request.zoneCell ?? 'nova',
    launchIndex: build.launchIndex,
    reservationId: build.reservationId,
    metadata: request.metadata,
    securityGroups: request.securityGroups,
    requestId: ctx.requestId,
  };
}
