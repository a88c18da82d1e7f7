import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { quotaRecount } from '../../../cellsAdmin';
import { computeQueue } from '../../../domain/computeMessages';
import { createCellClient } from '../../../prisma/clients';
import { drainQueue } from '../../helpers/faults';
import type { FaultRow } from './matrix';
import { applyMessage } from '../../../compute/applyMessage';
import { parseComputeMessage } from '../../../domain/computeMessages';
import { BUDGETS, type World, type WorldCell } from './world';

/** The tenant whose instances, boots and quotas the matrix watches; OTHER fills the all-projects lists. */
export const PROJECT = 'p-fault';
export const OTHER = 'p-other';

export const NODE_FIELDS =
  'uuid status projectId userId createdAt availabilityZone displayName vmState flavor { name } cell { name }';
export const LIST = `query($first: Int, $after: String, $filter: InstanceFilter, $sort: [InstanceSort!]) {
  instances(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { cursor node { ${NODE_FIELDS} } }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellUuid cellName status message }
  }
}`;
export const INSTANCE =
  'query($uuid: ID!) { instance(uuid: $uuid) { uuid status projectId userId createdAt availabilityZone vmState flavor { name } } }';
/** Without the global fields, for faults of the global side. */
export const INSTANCE_CELL_FIELDS = 'query($uuid: ID!) { instance(uuid: $uuid) { uuid status projectId vmState } }';
export const ENTITIES = `query($failed: ID, $healthy: ID) {
  failed: instanceMappings(cellUuid: $failed, first: 200) { instanceUuid instance { uuid status } }
  healthy: instanceMappings(cellUuid: $healthy, first: 200) { instanceUuid instance { uuid status } }
}`;
export const CREATE =
  'mutation($input: CreateServerInput!) { createServer(input: $input) { reservationId servers { uuid status cell { name isCell0 } fault { message } } } }';
export const QUOTA =
  'query($projectId: String!) { quotaSet(projectId: $projectId) { resources { resource limit inUse reserved } } }';
export const ACTIONS = [
  {
    name: 'reboot',
    vmState: 'active',
    mutation: 'mutation($u: ID!) { rebootInstance(uuid: $u, hard: false) { requestId instance { uuid taskState } } }',
  },
  {
    name: 'stop',
    vmState: 'active',
    mutation: 'mutation($u: ID!) { stopInstance(uuid: $u) { requestId instance { uuid taskState } } }',
  },
  {
    name: 'start',
    vmState: 'stopped',
    mutation: 'mutation($u: ID!) { startInstance(uuid: $u) { requestId instance { uuid taskState } } }',
  },
  {
    name: 'delete',
    vmState: 'active',
    mutation: 'mutation($u: ID!) { deleteInstance(uuid: $u) { requestId instance { uuid taskState } } }',
  },
] as const;

/** The compute methods whose instance actions must each have exactly one message (and the reverse). */
const MESSAGE_ACTIONS = ['create', 'reboot', 'stop', 'start', 'delete'];

export interface Seeded {
  uuid: string;
  projectId: string;
  vmState: string;
  cell: WorldCell;
}

export type Answer = { status: number; body: any };

/** How one fault is made on a world, and which cells it concerns. */
export interface FaultCase {
  row: FaultRow;
  /** The cell the fault hits (its row is judged); null for faults of the global side. */
  victim: WorldCell | null;
  /** A cell the fault leaves alone. */
  healthy: WorldCell;
  /** The cell whose instances the actions act on. */
  actionCell: WorldCell;
  inject(): Promise<void>;
  restore(): Promise<void>;
  /** After the restore, how long requests the faulty side still holds may take to finish. */
  settleMs?: number;
}

/** Everything seen while the fault lasted and after it ended; the verdicts judge it. */
export interface Observation {
  fault: FaultCase;
  before: {
    all: string[];
    project: string[];
    filtered: string[];
    /** Live mappings into the victim cell, with what their request specs say. */
    victimMappings: {
      uuid: string;
      projectId: string;
      userId: string | null;
      createdAt: string;
      flavor: string | null;
      availabilityZone: string | null;
    }[];
    projectMappings: number;
    /** The cell name each instance is mapped to, by uuid (what `Instance.cell { name }` answers). */
    cellNames: Map<string, string | null>;
    /** The world's one flavor (public): every instance's, held by the gateway once a page showed it. */
    flavorName: string;
    pids: (number | undefined)[];
  };
  faultSet: Seeded[];
  probe: Seeded;
  cached: Seeded;
  during: {
    all: Answer;
    project: Answer;
    filtered: Answer;
    sorted: Answer;
    pages: Answer[];
    instance: Answer;
    instanceCached: Answer;
    entities: Answer;
    actions: Answer[];
    actionCached: Answer;
    create: Answer;
    quota: Answer;
    readyz: Answer;
  };
  afterRestore: { projectMappings: number; buildRequests: number };
  recovery: {
    list: Answer | null;
    instance: Answer;
    actions: Answer[];
    create: Answer;
    quota: Answer;
    readyz: Answer;
    pids: (number | undefined)[];
  };
  invariants: {
    /** Instance actions that have no message in their host's queue. */
    actionsWithoutMessage: string[];
    /** Messages in a queue that no instance action stands for, and that the compute agent would still apply. */
    messagesWithoutAction: string[];
    /** Messages whose action was withdrawn: the compute agent drops them as orphans (nothing happens). */
    orphans: string[];
    /** What quota-recount would change (empty: usage matches servers plus build requests). */
    drift: string[];
    /** Servers held by more than one cell, or by a cell their mapping does not name. */
    misplaced: string[];
    /** Build requests of the project left behind. */
    buildRequests: number;
    /** The fault-time actions' instances as they are now, and their instance actions. */
    faultSet: { uuid: string; vmState: string | null; taskState: string | null; actions: number }[];
  };
}

let seq = 0;

/** Writes instances straight into `cell` (host, flavor, mapping, request spec), as a settled boot leaves them. */
export async function seedInstances(
  world: World,
  cell: WorldCell,
  states: { vmState: string; projectId?: string }[],
): Promise<Seeded[]> {
  const rows = states.map((s) => ({
    uuid: randomUUID(),
    projectId: s.projectId ?? PROJECT,
    vmState: s.vmState,
    cell,
    n: ++seq,
  }));
  const flavorId = Number(world.flavor.id);
  const host = cell.hosts[0] ?? null;
  await cell.prisma.instance.createMany({
    data: rows.map((r) => ({
      uuid: r.uuid,
      projectId: r.projectId,
      userId: `${r.projectId}-user`,
      displayName: `${cell.name}-vm-${String(r.n).padStart(4, '0')}`,
      hostname: `vm-${r.n}`,
      vmState: r.vmState,
      powerState: r.vmState === 'active' ? 1 : 4,
      host,
      node: host,
      vcpus: 1,
      memoryMb: 256,
      rootGb: 1,
      instanceTypeId: flavorId,
      availabilityZone: 'nova',
      createdAt: new Date(Date.UTC(2026, 0, 1) + r.n * 1000),
      launchedAt: new Date(Date.UTC(2026, 0, 1) + r.n * 1000 + 5000),
    })),
  });
  await world.api.instanceMapping.createMany({
    data: rows.map((r) => ({
      instanceUuid: r.uuid,
      cellId: cell.id,
      projectId: r.projectId,
      userId: `${r.projectId}-user`,
    })),
  });
  await world.api.requestSpec.createMany({
    data: rows.map((r) => ({
      instanceUuid: r.uuid,
      spec: JSON.stringify({
        instance_uuid: r.uuid,
        project_id: r.projectId,
        user_id: `${r.projectId}-user`,
        availability_zone: 'nova',
        flavor: { id: flavorId, flavorid: 'fault', name: world.flavor.name, vcpus: 1, memory_mb: 256 },
      }),
    })),
  });
  // Usage as the boot path would have counted these servers, so quota-recount finds no drift.
  for (const projectId of new Set(rows.map((r) => r.projectId))) {
    const n = rows.filter((r) => r.projectId === projectId).length;
    for (const [resource, amount] of [
      ['instances', n],
      ['cores', n],
      ['ram', 256 * n],
    ] as const) {
      const key = { projectId, userId: `${projectId}-user`, resource, deleted: 0 };
      await world.api.quotaUsage.upsert({
        where: { projectId_userId_resource_deleted: key },
        create: { ...key, inUse: amount },
        update: { inUse: { increment: amount } },
      });
    }
  }
  return rows.map(({ n: _n, ...r }) => r);
}

/** Gives the project room for every boot of the matrix, and declares every host's queue as its compute agent would. */
export async function prepareWorld(world: World): Promise<void> {
  await world.api.quota.createMany({
    data: [
      { projectId: PROJECT, resource: 'instances', hardLimit: 1000 },
      { projectId: PROJECT, resource: 'cores', hardLimit: 1000 },
      { projectId: PROJECT, resource: 'ram', hardLimit: 10000000 },
    ],
  });
  for (const cell of world.cells) {
    if (cell.name === 'cell0') continue;
    await seedInstances(world, cell, [
      { vmState: 'active', projectId: OTHER },
      { vmState: 'stopped', projectId: OTHER },
      { vmState: 'active' },
      { vmState: 'stopped' },
    ]);
    await declareHostQueues(cell);
  }
}

/** The compute agent's side of a host's queue (durable, declared by the consumer); nobody consumes here. */
export async function declareHostQueues(cell: WorldCell): Promise<void> {
  if (!cell.vhost) return;
  const connection = await connect(cell.vhost.url);
  try {
    const channel = await connection.createChannel();
    for (const host of cell.hosts) await channel.assertQueue(computeQueue(host), { durable: true });
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const uuidsOf = (answer: Answer): string[] => (answer.body?.data?.instances?.edges ?? []).map((e: any) => e.node.uuid);
const pids = (world: World) => [...world.cells.map((c) => c.child?.pid), world.globalChild?.pid];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The action watermark per cell: instance actions above it are judged by the next observation. */
const watermarks = new WeakMap<WorldCell, number>();

/**
 * Runs every operation of the matrix with the fault in place, then restores it, waits
 * for the gateway to answer in full again (same processes), runs them again, and checks
 * that nothing was left half-written.
 */
export async function observe(world: World, fault: FaultCase): Promise<Observation> {
  const admin = await world.token('admin', true);
  const tenant = await world.token(PROJECT);
  const list = (variables: Record<string, unknown>, token = admin) => world.query(LIST, variables, token);
  const create = (name: string) =>
    world.query(CREATE, { input: { name, flavorId: world.flavor.id, imageRef: 'cirros' } }, tenant);
  for (const cell of world.cells) if (!watermarks.has(cell)) watermarks.set(cell, 0);

  const faultSet = await seedInstances(
    world,
    fault.actionCell,
    ACTIONS.map((a) => ({ vmState: a.vmState })),
  );
  const recoverySet = await seedInstances(
    world,
    fault.actionCell,
    ACTIONS.map((a) => ({ vmState: a.vmState })),
  );
  const [probe] = await seedInstances(world, fault.victim ?? fault.actionCell, [{ vmState: 'active' }]);
  const [cached, cachedAction] = await seedInstances(world, fault.actionCell, [
    { vmState: 'active' },
    { vmState: 'active' },
  ]);
  // The gateway has these mappings cached when the fault starts.
  await world.query(INSTANCE_CELL_FIELDS, { uuid: cached.uuid }, tenant);
  await world.query(INSTANCE_CELL_FIELDS, { uuid: cachedAction.uuid }, tenant);

  // The world must answer in full before the fault: a precondition, not a verdict. A cell
  // subgraph restarted by the previous row answers its first 1000-row pages with a cold JIT,
  // which on a loaded machine can pass the 1 s cell timeout; such a row waits, within a deadline.
  const healthy = () =>
    Promise.all([
      list({ first: 1000, filter: { allProjects: true } }),
      list({ first: 1000 }, tenant),
      list({ first: 1000, filter: { allProjects: true, status: 'ACTIVE' } }),
    ]);
  let [all, project, filtered] = await healthy();
  const complete = () => [all, project, filtered].every((a) => a.body?.data?.instances?.complete === true);
  for (const deadline = Date.now() + 20000; !complete() && Date.now() < deadline;) {
    await sleep(250);
    [all, project, filtered] = await healthy();
  }
  for (const answer of [all, project, filtered]) {
    if (answer.body?.data?.instances?.complete !== true) {
      const cells = answer.body?.data?.instances?.cells ?? [];
      const notOk = cells.filter((c: { status: string }) => c.status !== 'OK');
      throw new Error(
        `the world is not healthy before ${fault.row.id}: status ${answer.status}, cells not OK ${JSON.stringify(notOk)}, errors ${JSON.stringify(answer.body?.errors ?? null).slice(0, 300)}`,
      );
    }
  }
  const victimMappings = fault.victim ? await victimRecords(world, fault.victim) : [];
  const before = {
    all: uuidsOf(all),
    project: uuidsOf(project),
    filtered: uuidsOf(filtered),
    victimMappings,
    projectMappings: await world.api.instanceMapping.count({ where: { projectId: PROJECT } }),
    cellNames: new Map(
      (await world.api.instanceMapping.findMany({ include: { cell: true } })).map((m) => [
        m.instanceUuid,
        m.cell?.name ?? null,
      ]),
    ),
    flavorName: world.flavor.name,
    pids: pids(world),
  };

  let during: Observation['during'];
  await fault.inject();
  let restoredAt: number;
  try {
    // About five pages whatever the project has grown to, so the walk crosses from live rows into UNKNOWN records.
    const pageSize = Math.max(2, Math.ceil((before.project.length + 1) / 5));
    const pages = (async () => {
      const out: Answer[] = [];
      let after: string | null = null;
      for (let i = 0; i < 40; i++) {
        const page = await list({ first: pageSize, after }, tenant);
        out.push(page);
        const info = page.body?.data?.instances?.pageInfo;
        if (!info?.hasNextPage) break;
        after = info.endCursor;
      }
      return out;
    })();
    const reads = await Promise.all([
      list({ first: 1000, filter: { allProjects: true } }),
      list({ first: 1000 }, tenant),
      list({ first: 1000, filter: { allProjects: true, status: 'ACTIVE' } }),
      list({ first: 1000, sort: [{ key: 'DISPLAY_NAME', direction: 'ASC' }] }, tenant),
      pages,
      world.query(fault.victim ? INSTANCE : INSTANCE_CELL_FIELDS, { uuid: probe.uuid }, tenant),
      world.query(INSTANCE_CELL_FIELDS, { uuid: cached.uuid }, tenant),
      world.query(ENTITIES, { failed: (fault.victim ?? fault.actionCell).uuid, healthy: fault.healthy.uuid }, admin),
      world.query(QUOTA, { projectId: PROJECT }, tenant),
    ]);
    const actions = await Promise.all(ACTIONS.map((a, i) => world.query(a.mutation, { u: faultSet[i].uuid }, tenant)));
    const actionCached = await world.query(ACTIONS[0].mutation, { u: cachedAction.uuid }, tenant);
    const created = await create(`during-${fault.row.id}`);
    // After the other operations, so the cell's last status is one this fault caused.
    const readyz = await world.readyz();
    during = {
      all: reads[0],
      project: reads[1],
      filtered: reads[2],
      sorted: reads[3],
      pages: reads[4],
      instance: reads[5],
      instanceCached: reads[6],
      entities: reads[7],
      quota: reads[8],
      readyz,
      actions,
      actionCached,
      create: created,
    };
  } finally {
    await fault.restore();
    restoredAt = Date.now();
  }
  const afterRestore = {
    projectMappings: await world.api.instanceMapping.count({ where: { projectId: PROJECT } }),
    buildRequests: await world.api.buildRequest.count({ where: { projectId: PROJECT } }),
  };

  // Recovery: the same gateway and processes answer in full again (the circuit's probe closes it).
  let recovered: Answer | null = null;
  for (const deadline = Date.now() + 20000; Date.now() < deadline; await sleep(150)) {
    const answer = await list({ first: 1000, filter: { allProjects: true } });
    if (answer.body?.data?.instances?.complete === true && !answer.body.errors) {
      recovered = answer;
      break;
    }
  }
  // The scheduler skips a cell that failed for its cool-down, as the gateway's circuit does.
  await sleep(Math.max(0, restoredAt + BUDGETS.circuit.cooldownMs + 100 - Date.now()));
  const recovery = {
    list: recovered,
    instance: await world.query(fault.victim ? INSTANCE : INSTANCE_CELL_FIELDS, { uuid: probe.uuid }, tenant),
    actions: await Promise.all(ACTIONS.map((a, i) => world.query(a.mutation, { u: recoverySet[i].uuid }, tenant))),
    create: await create(`after-${fault.row.id}`),
    quota: await world.query(QUOTA, { projectId: PROJECT }, tenant),
    readyz: await world.readyz(),
    flavorName: world.flavor.name,
    pids: pids(world),
  };
  await sleep(Math.max(0, restoredAt + (fault.settleMs ?? 0) - Date.now()));
  return {
    fault,
    before,
    faultSet,
    probe,
    cached,
    during,
    afterRestore,
    recovery,
    invariants: await invariants(world, faultSet),
  };
}

async function victimRecords(world: World, cell: WorldCell): Promise<Observation['before']['victimMappings']> {
  const mappings = await world.api.instanceMapping.findMany({ where: { cellId: cell.id, queuedForDelete: false } });
  const specs = await world.api.requestSpec.findMany({
    where: { instanceUuid: { in: mappings.map((m) => m.instanceUuid) } },
  });
  const flavors = new Map((await world.api.instanceType.findMany()).map((f) => [f.id, f.name]));
  const bySpec = new Map(
    specs.map((s) => [
      s.instanceUuid,
      JSON.parse(s.spec) as { flavor?: { id?: number }; availability_zone?: string | null },
    ]),
  );
  return mappings.map((m) => {
    const spec = bySpec.get(m.instanceUuid);
    return {
      uuid: m.instanceUuid,
      projectId: m.projectId,
      userId: m.userId,
      createdAt: m.createdAt.toISOString(),
      flavor: spec?.flavor?.id !== undefined ? (flavors.get(spec.flavor.id) ?? null) : null,
      availabilityZone: spec?.availability_zone ?? null,
    };
  });
}

async function invariants(world: World, faultSet: Seeded[]): Promise<Observation['invariants']> {
  const actionsWithoutMessage: string[] = [];
  const messagesWithoutAction: string[] = [];
  const orphans: string[] = [];
  for (const cell of world.cells) {
    if (!cell.vhost) continue;
    const messages = new Map<string, Record<string, unknown>>();
    for (const host of cell.hosts) {
      for (const body of await drainQueue(cell.vhost.url, computeQueue(host)))
        messages.set(String(body.requestId), body);
    }
    const since = watermarks.get(cell) ?? 0;
    const actions = await cell.prisma.instanceAction.findMany({
      where: { id: { gt: since }, action: { in: MESSAGE_ACTIONS } },
      include: { instance: { select: { host: true } } },
    });
    watermarks.set(cell, Math.max(since, ...actions.map((a) => a.id)));
    for (const action of actions) {
      if (!action.instance.host) continue; // a local delete or a build buried without a host publishes nothing
      if (!messages.delete(String(action.requestId)))
        actionsWithoutMessage.push(`${cell.name} ${action.action} ${action.instanceUuid} (${action.requestId})`);
    }
    for (const body of messages.values()) {
      const label = `${cell.name} ${String(body.method)} ${String(body.instanceUuid)}`;
      const message = parseComputeMessage(Buffer.from(JSON.stringify(body)));
      // What the compute agent would do with it: an orphan changes nothing.
      const outcome = message instanceof Error ? null : await applyMessage(cell.prisma, message, { delayMs: 0 });
      if (outcome?.kind === 'orphan') orphans.push(label);
      else messagesWithoutAction.push(`${label} (${outcome?.kind ?? 'unreadable'})`);
    }
  }
  const recount = await quotaRecount(
    world.api,
    { openCell: (url) => createCellClient(url, { max: 1 }) },
    { projectId: PROJECT, dryRun: true, cellTimeoutMs: 5000 },
  );
  const drift = recount.rows.filter((r) => r.drift).map((r) => JSON.stringify(r));
  const misplaced: string[] = [];
  const holders = new Map<string, string[]>();
  for (const cell of world.cells) {
    for (const row of await cell.prisma.instance.findMany({
      where: { projectId: PROJECT, deleted: 0 },
      select: { uuid: true },
    }))
      holders.set(row.uuid, [...(holders.get(row.uuid) ?? []), cell.name]);
  }
  const mappings = await world.api.instanceMapping.findMany({
    where: { projectId: PROJECT, queuedForDelete: false },
    include: { cell: true },
  });
  const mapped = new Map(mappings.map((m) => [m.instanceUuid, m.cell?.name ?? null]));
  for (const [uuid, cells] of holders) {
    if (cells.length > 1) misplaced.push(`${uuid} in ${cells.join(' and ')}`);
    else if (mapped.has(uuid) && mapped.get(uuid) !== cells[0])
      misplaced.push(`${uuid} in ${cells[0]}, mapped to ${mapped.get(uuid)}`);
  }
  const cellOf = faultSet[0].cell;
  const rows = await cellOf.prisma.instance.findMany({ where: { uuid: { in: faultSet.map((s) => s.uuid) } } });
  const counts = await cellOf.prisma.instanceAction.groupBy({
    by: ['instanceUuid'],
    where: { instanceUuid: { in: faultSet.map((s) => s.uuid) } },
    _count: true,
  });
  return {
    actionsWithoutMessage,
    messagesWithoutAction,
    orphans,
    drift,
    misplaced,
    buildRequests: await world.api.buildRequest.count({ where: { projectId: PROJECT } }),
    faultSet: faultSet.map((s) => {
      const row = rows.find((r) => r.uuid === s.uuid);
      return {
        uuid: s.uuid,
        vmState: row?.vmState ?? null,
        taskState: row?.taskState ?? null,
        actions: counts.find((c) => c.instanceUuid === s.uuid)?._count ?? 0,
      };
    }),
  };
}
