import { errorTexts, leaksIn as sharedLeaks } from '../../helpers/leaks';
import { faultRow, renderExpectation, type Expectation, type Operation } from './matrix';
import { observe, PROJECT, type Answer, type FaultCase, type Observation } from './scenario';
import type { World } from './world';

// Beyond the shared patterns: SQLSTATE codes, test database names and PostgreSQL's own wording.
const MORE_LEAKS = [
  /\b(?:55000|53300|57P0[1-5]|3D000|28P01|28000|57014|55P03)\b/,
  /Code: [0-9A-Z]{5}/,
  /cells_t_/,
  /does not exist|terminating connection|canceling statement|too many clients|Connection terminated|timeout exceeded when trying to connect|password authentication/i,
  /[a-z]+:\/\/\S/i,
];

/** Leak patterns an answer's errors and messages match; empty when it is clean. */
export function leaks(answer: Answer): string[] {
  const text = errorTexts(answer.body);
  return [...sharedLeaks(text), ...MORE_LEAKS.filter((p) => p.test(text)).map(String)].map(
    (p) => `${p} in ${text.slice(0, 400)}`,
  );
}

const edges = (a: Answer): any[] => a.body?.data?.instances?.edges ?? [];
const nodes = (a: Answer): any[] => edges(a).map((e) => e.node);
const live = (a: Answer) =>
  nodes(a)
    .filter((n) => n.status !== 'UNKNOWN')
    .map((n) => n.uuid as string);
const unknown = (a: Answer) =>
  nodes(a)
    .filter((n) => n.status === 'UNKNOWN')
    .map((n) => n.uuid as string);
const codes = (a: Answer): string[] => (a.body?.errors ?? []).map((e: any) => e.extensions?.code);
const sorted = (xs: Iterable<string>) => [...xs].sort();

function answered(a: Answer): void {
  if (a.status === 0) throw new Error(`the gateway did not answer: ${JSON.stringify(a.body)}`);
  expect(leaks(a)).toEqual([]);
}

/** The connection of a list answer with its HTTP status and the failed cell's row checked. */
function connection(a: Answer, e: Expectation, obs: Observation): any {
  answered(a);
  expect(a.status).toBe(e.http);
  const page = a.body?.data?.instances;
  expect(page).toBeTruthy();
  expect(page.complete).toBe(e.complete);
  const victim = obs.fault.victim;
  for (const row of page.cells) {
    const wanted = victim && row.cellUuid === victim.uuid ? e.cell : 'OK';
    // The message is shown on both sides so a failure says why; its wording is not judged.
    expect({ cell: row.cellName, status: row.status, message: row.message }).toEqual({
      cell: row.cellName,
      status: wanted,
      message: row.message,
    });
  }
  if (victim && e.cell !== 'OK') expect(page.cells.map((c: any) => c.cellUuid)).toContain(victim.uuid);
  return page;
}

function judgeList(obs: Observation, e: Expectation): void {
  const { during, before } = obs;
  const victimAll = new Set(obs.before.victimMappings.map((m) => m.uuid));
  const victimProject = new Set(obs.before.victimMappings.filter((m) => m.projectId === PROJECT).map((m) => m.uuid));
  const minus = (xs: string[], drop: Set<string>) => xs.filter((x) => !drop.has(x));
  for (const a of [during.all, during.project, during.filtered, during.sorted, ...during.pages]) connection(a, e, obs);
  switch (e.answer) {
    case 'partial+unknown': {
      // Unfiltered and unsorted: the live rows first, then the failed cell's UNKNOWN records by uuid.
      for (const [a, wantedLive, wantedUnknown] of [
        [during.all, minus(before.all, victimAll), victimAll],
        [during.project, minus(before.project, victimProject), victimProject],
      ] as const) {
        expect(sorted(live(a))).toEqual(sorted(wantedLive));
        expect(sorted(unknown(a))).toEqual(sorted(wantedUnknown));
        const statuses = nodes(a).map((n) => n.status === 'UNKNOWN');
        expect(statuses.indexOf(true) === -1 || statuses.slice(statuses.indexOf(true)).every(Boolean)).toBe(true);
        expect(unknown(a)).toEqual(sorted(unknown(a)));
      }
      const records = new Map(obs.before.victimMappings.map((m) => [m.uuid, m]));
      for (const node of nodes(during.all).filter((n) => n.status === 'UNKNOWN')) {
        const m = records.get(node.uuid)!;
        expect({ ...node, createdAt: node.createdAt && new Date(node.createdAt).toISOString() }).toEqual({
          uuid: m.uuid,
          status: 'UNKNOWN',
          projectId: m.projectId,
          userId: m.userId,
          createdAt: m.createdAt,
          availabilityZone: m.availabilityZone,
          displayName: null,
          vmState: null,
          flavor: m.flavor ? { name: m.flavor } : null,
          cell: { name: obs.fault.victim!.name },
        });
      }
      // Filtered or sorted explicitly: no UNKNOWN records (Nova 2.69's rule).
      expect(sorted(live(during.filtered))).toEqual(sorted(minus(before.filtered, victimAll)));
      expect(unknown(during.filtered)).toEqual([]);
      expect(sorted(live(during.sorted))).toEqual(sorted(minus(before.project, victimProject)));
      expect(unknown(during.sorted)).toEqual([]);
      const names = nodes(during.sorted).map((n) => n.displayName as string);
      expect(names).toEqual([...names].sort());
      // Paged: every live row and every UNKNOWN record exactly once, hasNextPage until the last.
      const walked = during.pages.flatMap((p) =>
        nodes(p).map((n) => `${n.status === 'UNKNOWN' ? 'U' : 'L'} ${n.uuid}`),
      );
      expect(new Set(walked).size).toBe(walked.length);
      expect(sorted(walked)).toEqual(
        sorted([
          ...minus(before.project, victimProject).map((u) => `L ${u}`),
          ...[...victimProject].map((u) => `U ${u}`),
        ]),
      );
      const more = during.pages.map((p) => p.body.data.instances.pageInfo.hasNextPage);
      expect(more).toEqual([...more.slice(0, -1).map(() => true), false]);
      return;
    }
    case 'full':
      expect(sorted(live(during.all))).toEqual(sorted(before.all));
      expect(sorted(live(during.project))).toEqual(sorted(before.project));
      expect(codes(during.all)).toEqual([]);
      return;
    case 'cell data only': {
      // Every cell answered: their rows all come back; what the global side owns is missing, and said so.
      expect(sorted(live(during.all))).toEqual(sorted(before.all));
      expect(sorted(live(during.project))).toEqual(sorted(before.project));
      expect(sorted(live(during.filtered))).toEqual(sorted(before.filtered));
      expect(sorted(live(during.sorted))).toEqual(sorted(before.project));
      const walked = during.pages.flatMap((p) => live(p));
      expect(walked).toHaveLength(new Set(walked).size);
      expect(sorted(walked)).toEqual(sorted(before.project));
      for (const a of [during.all, during.project]) {
        expect(codes(a).length).toBeGreaterThan(0);
        expect(new Set(codes(a))).toEqual(new Set([e.code]));
      }
      // Each row's cell is the router's (the cell it asked) and its public flavor the gateway's, there while the global side is not.
      for (const node of nodes(during.all))
        expect({ cell: node.cell, flavor: node.flavor }).toEqual({
          cell: { name: obs.before.cellNames.get(node.uuid) },
          flavor: { name: obs.before.flavorName },
        });
      return;
    }
    default:
      throw new Error(`no list verdict for ${e.answer}`);
  }
}

function judgeInstance(obs: Observation, e: Expectation): void {
  const a = obs.during.instance;
  answered(a);
  expect(a.status).toBe(e.http);
  const error = (a.body?.errors ?? [])[0];
  if (e.code) expect(error?.extensions).toMatchObject({ code: e.code });
  else expect(a.body.errors).toBeUndefined();
  switch (e.answer) {
    case 'unknown record': {
      const m = obs.before.victimMappings.find((r) => r.uuid === obs.probe.uuid)!;
      expect(error.extensions.cellUuid).toBe(obs.fault.victim!.uuid);
      const got = a.body.data?.instance;
      expect(got && { ...got, createdAt: got.createdAt && new Date(got.createdAt).toISOString() }).toEqual({
        uuid: m.uuid,
        status: 'UNKNOWN',
        projectId: m.projectId,
        userId: m.userId,
        createdAt: m.createdAt,
        availabilityZone: m.availabilityZone,
        vmState: null,
        flavor: m.flavor ? { name: m.flavor } : null,
      });
      return;
    }
    case 'full':
      expect(a.body.data.instance).toMatchObject({ uuid: obs.probe.uuid, status: 'ACTIVE' });
      return;
    case 'null': {
      expect(a.body.data?.instance ?? null).toBeNull();
      // A mapping the gateway cached before the fault still routes to its (healthy) cell.
      const cached = obs.during.instanceCached;
      answered(cached);
      expect({ errors: cached.body.errors, instance: cached.body.data?.instance?.uuid }).toEqual({
        errors: undefined,
        instance: obs.cached.uuid,
      });
      return;
    }
    default:
      throw new Error(`no instance verdict for ${e.answer}`);
  }
}

function judgeEntities(obs: Observation, e: Expectation): void {
  switch (e.answer) {
    case 'failed cell null': {
      const a = obs.during.entities;
      answered(a);
      expect(a.status).toBe(e.http);
      const failed: any[] = a.body.data?.failed ?? [];
      const healthy: any[] = a.body.data?.healthy ?? [];
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.map((m) => m.instance)).toEqual(failed.map(() => null));
      expect(healthy.map((m) => m.instance?.uuid)).toEqual(healthy.map((m) => m.instanceUuid));
      const errors = (a.body.errors ?? []).filter((err: any) => err.path?.[0] === 'failed');
      expect(sorted(errors.map((err: any) => String(err.path?.[1])))).toEqual(sorted(failed.map((_, i) => String(i))));
      for (const err of errors)
        expect(err.extensions).toMatchObject({ code: e.code, cellUuid: obs.fault.victim!.uuid });
      // On a list, the live rows of the other cells keep their flavor and cell.
      for (const node of nodes(obs.during.all).filter((n) => n.status !== 'UNKNOWN')) {
        expect({ uuid: node.uuid, flavor: node.flavor?.name ?? null, cell: node.cell?.name ?? null }).toEqual({
          uuid: node.uuid,
          flavor: expect.any(String),
          cell: expect.any(String),
        });
      }
      return;
    }
    case 'held fields': {
      const a = obs.during.project;
      answered(a);
      expect(a.status).toBe(e.http);
      expect(nodes(a).length).toBeGreaterThan(0);
      // The router knows the cell it asked, the gateway holds the public flavor: nothing the page asks for is missing.
      for (const node of nodes(a))
        expect({ flavor: node.flavor, cell: node.cell, status: typeof node.status }).toEqual({
          flavor: { name: obs.before.flavorName },
          cell: { name: obs.before.cellNames.get(node.uuid) },
          status: 'string',
        });
      expect(codes(a)).toContain(e.code);
      return;
    }
    default:
      throw new Error(`no entities verdict for ${e.answer}`);
  }
}

function judgeActions(obs: Observation, e: Expectation): void {
  for (const a of obs.during.actions) {
    answered(a);
    expect(a.status).toBe(e.http);
    expect(codes(a)).toEqual([e.code]);
    expect(Object.values(a.body.data ?? {}).filter(Boolean)).toEqual([]);
  }
  switch (e.answer) {
    case 'nothing written':
      expect(obs.invariants.faultSet).toEqual(
        obs.faultSet.map((s) => ({ uuid: s.uuid, vmState: s.vmState, taskState: null, actions: 0 })),
      );
      break;
    case 'both or neither':
      // What happened later is judged with the queues ("leaves nothing half-written").
      break;
    default:
      throw new Error(`no actions verdict for ${e.answer}`);
  }
  if (e.code === 'GLOBAL_UNAVAILABLE') {
    const cached = obs.during.actionCached;
    answered(cached);
    expect(cached.body.errors).toBeUndefined();
  }
}

function judgeCreate(obs: Observation, e: Expectation): void {
  const a = obs.during.create;
  answered(a);
  expect(a.status).toBe(e.http);
  const server = a.body.data?.createServer?.servers?.[0];
  switch (e.answer) {
    case 'live cell':
      expect(a.body.errors).toBeUndefined();
      // The fault says why a boot that should have found a live cell went to cell0.
      expect({ cell0: server.cell.isCell0, fault: server.fault?.message ?? null }).toEqual({
        cell0: false,
        fault: null,
      });
      if (obs.fault.row.group === 'cell database' || obs.fault.row.group === 'cell subgraph')
        expect(server.cell.name).not.toBe(obs.fault.victim!.name);
      return;
    case 'cell0':
      expect(a.body.errors).toBeUndefined();
      expect({ cell0: server.cell.isCell0, status: server.status }).toEqual({ cell0: true, status: 'ERROR' });
      return;
    case 'nothing written':
      expect(codes(a)).toEqual([e.code]);
      expect(a.body.data?.createServer ?? null).toBeNull();
      expect(obs.afterRestore).toEqual({ projectMappings: obs.before.projectMappings, buildRequests: 0 });
      return;
    case 'late or never':
      expect(codes(a)).toEqual([e.code]);
      return;
    default:
      throw new Error(`no createServer verdict for ${e.answer}`);
  }
}

function judgeQuota(obs: Observation, e: Expectation): void {
  const a = obs.during.quota;
  answered(a);
  expect(a.status).toBe(e.http);
  if (e.answer === 'full') {
    expect(a.body.errors).toBeUndefined();
    expect(a.body.data.quotaSet.resources.map((r: any) => r.resource)).toContain('instances');
  } else {
    expect(codes(a)).toEqual([e.code]);
    expect(a.body.data?.quotaSet ?? null).toBeNull();
  }
}

function judgeReadyz(obs: Observation, e: Expectation): void {
  const a = obs.during.readyz;
  expect(a.status).toBe(e.http);
  expect(leaks(a)).toEqual([]);
  if (e.answer === 'ready' && obs.fault.victim) {
    const row = a.body.cells.find((c: any) => c.uuid === obs.fault.victim!.uuid);
    // The cell failed many times in a row while the fault lasted: its circuit is open (or probing).
    const circuit =
      e.cell === 'TIMEOUT' || e.cell === 'UNAVAILABLE' ? expect.stringMatching(/^(open|half-open)$/) : 'closed';
    expect({ lastStatus: row?.lastStatus?.status, circuit: row?.circuit?.state }).toEqual({
      lastStatus: e.cell,
      circuit,
    });
  }
}

const VERDICTS: Record<Operation, (obs: Observation, e: Expectation) => void> = {
  list: judgeList,
  instance: judgeInstance,
  entities: judgeEntities,
  actions: judgeActions,
  createServer: judgeCreate,
  quotaSet: judgeQuota,
  readyz: judgeReadyz,
};

function judgeRecovery(obs: Observation): void {
  const { recovery, before, fault } = obs;
  expect(recovery.list).not.toBeNull();
  const page = recovery.list!.body.data.instances;
  expect(page.cells.filter((c: any) => c.status !== 'OK')).toEqual([]);
  expect(sorted(live(recovery.list!)).filter((u) => before.all.includes(u))).toEqual(sorted(before.all));
  expect(unknown(recovery.list!)).toEqual([]);
  for (const a of [recovery.instance, ...recovery.actions, recovery.create, recovery.quota]) {
    answered(a);
    expect(a.body.errors).toBeUndefined();
  }
  expect(recovery.instance.body.data.instance).toMatchObject({ uuid: obs.probe.uuid, status: 'ACTIVE' });
  expect(recovery.create.body.data.createServer.servers[0].cell.isCell0).toBe(false);
  expect(recovery.readyz.status).toBe(200);
  if (fault.victim) {
    const row = recovery.readyz.body.cells.find((c: any) => c.uuid === fault.victim!.uuid);
    expect({ status: row?.lastStatus?.status, circuit: row?.circuit?.state }).toEqual({
      status: 'OK',
      circuit: 'closed',
    });
  }
  // No process was restarted, except the one the fault killed.
  const restarted = fault.row.id.endsWith('-killed');
  expect(recovery.pids.filter((pid, i) => pid !== before.pids[i]).length).toBe(restarted ? 1 : 0);
}

function judgeHalfWritten(obs: Observation): void {
  expect(obs.invariants).toMatchObject({
    actionsWithoutMessage: [],
    messagesWithoutAction: [],
    drift: [],
    misplaced: [],
    buildRequests: 0,
  });
}

/**
 * One describe per fault: observe it once (the fault lasts only while its operations
 * run), then one test per operation the matrix names, one for recovery and one for
 * half-written state.
 */
export function describeFault(world: () => World, id: string, make: (world: World) => Omit<FaultCase, 'row'>): void {
  const row = faultRow(id);
  describe(`${row.fault}`, () => {
    let obs: Observation | undefined;
    let failure: unknown;
    beforeAll(async () => {
      try {
        obs = await observe(world(), { row, ...make(world()) });
      } catch (err) {
        failure = err;
      }
    }, 120000);
    const observed = () => {
      if (!obs) throw failure ?? new Error('not observed');
      return obs;
    };
    for (const [op, e] of Object.entries(row.expect) as [Operation, Expectation][]) {
      it(`${op}: ${renderExpectation(e)}`, () => VERDICTS[op](observed(), e));
    }
    it(`recovers: ${row.recovery}, every operation answers in full`, () => judgeRecovery(observed()));
    it('leaves nothing half-written (every action has its message, usage matches servers and builds, no server in two cells)', () =>
      judgeHalfWritten(observed()));
  });
}
