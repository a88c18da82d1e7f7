import { randomBytes } from 'node:crypto';
import { CELL0_UUID } from '../../../cellsAdmin';
import { cellsError, ErrorCode } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { GlobalContext } from '../context';
import { amountsOf, BURIED, type UsageScope } from '../quotas/bootUsage';
import { reserveServers } from '../quotas/reserveServers';
import { abandonBuild, settleBuild, writeBuildRecords, type PendingBuild } from './buildRecords';
import { buildInCell, type CellBuildInput } from './cellBuild';
import type { CellPool } from './cellPool';
import { candidateHosts } from './hostCandidates';
import { claim, pickHost, type HostState } from './pickHost';
import { checkServerInput, type CreateServerInput, type ServerRequest } from './serverInput';

/** What the scheduler shares across requests: pooled cell clients and how to call cells. */
export interface SchedulerDeps {
  pool: CellPool;
  internalSecret: string;
  /** Budget for a cell's database (host look-up) and for its buildInstance answer. */
  cellTimeoutMs: number;
  logger: Logger;
}

export interface CreateServerResult {
  servers: { uuid: string }[];
  reservationId: string;
}

export const NO_VALID_HOST = 'No valid host was found.';

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
    async (tx) => writeBuildRecords(tx, scope, request, await reserveServers(tx, scope, perServer, request.minCount, request.maxCount), reservationId),
    { maxWait: 15000, timeout: 20000 },
  );
  const deps = ctx.scheduler;
  const hosts = await candidateHosts(ctx.prisma, deps.pool, { zoneCell: request.zoneCell, timeoutMs: deps.cellTimeoutMs, logger: ctx.logger });
  const placed: string[] = [];
  const lost: string[] = [];
  for (const build of builds) {
    (await scheduleOne(ctx, scope, request, build, hosts)) ? placed.push(build.instanceUuid) : lost.push(build.instanceUuid);
  }
  if (lost.length > 0) {
    throw cellsError(ErrorCode.CELL_UNAVAILABLE, `${lost.length} of ${builds.length} servers could be neither built nor recorded in cell0; their quota was released`, { created: placed, reservationId });
  }
  return { servers: placed.map((uuid) => ({ uuid })), reservationId };
}

// Answers false only when the server is gone again (not even cell0 took it).
async function scheduleOne(ctx: GlobalContext, scope: UsageScope, request: ServerRequest, build: PendingBuild, hosts: HostState[]): Promise<boolean> {
  const deps = ctx.scheduler;
  const perServer = amountsOf(request.flavor);
  const host = pickHost(hosts, request.flavor);
  let why = 'There are not enough hosts available.';
  if (host) {
    const outcome = await buildInCell(host.graphqlUrl, cellInput(ctx, request, build, host.host), { secret: deps.internalSecret, timeoutMs: deps.cellTimeoutMs });
    if (outcome.ok) {
      claim(host, request.flavor);
      await settleBuild(ctx.prisma, scope, build.instanceUuid, host.cellId, perServer, perServer);
      return true;
    }
    ctx.logger.warn({ uuid: build.instanceUuid, cell: host.cellUuid, reason: outcome.reason }, 'scheduler: the chosen cell did not build the server; burying it in cell0');
    why = `Cell ${host.cellName ?? host.cellUuid} could not build it on ${host.host}: ${outcome.reason}`;
  }
  const cell0 = await ctx.prisma.cellMapping.findUnique({ where: { uuid: CELL0_UUID } });
  if (cell0?.graphqlUrl) {
    const fault = { code: 500, message: `${NO_VALID_HOST} ${why}`, details: why };
    const outcome = await buildInCell(cell0.graphqlUrl, { ...cellInput(ctx, request, build, null), fault }, { secret: deps.internalSecret, timeoutMs: deps.cellTimeoutMs });
    if (outcome.ok) {
      await settleBuild(ctx.prisma, scope, build.instanceUuid, cell0.id, perServer, BURIED);
      return true;
    }
    why = `${why}; cell0: ${outcome.reason}`;
  }
  ctx.logger.error({ uuid: build.instanceUuid, why }, 'scheduler: cell0 could not record a server that was not built; dropping it');
  await abandonBuild(ctx.prisma, scope, build.instanceUuid, perServer);
  return false;
}

function cellInput(ctx: GlobalContext, request: ServerRequest, build: PendingBuild, host: string | null): CellBuildInput {
  const f = request.flavor;
  return {
    uuid: build.instanceUuid,
    projectId: ctx.identity.projectId,
    userId: ctx.identity.userId,
    displayName: build.displayName,
    host,
    node: host,
    flavor: {
      id: String(f.id), flavorid: f.flavorid, name: f.name, memoryMb: f.memoryMb, vcpus: f.vcpus, rootGb: f.rootGb, ephemeralGb: f.ephemeralGb, swap: f.swap,
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
