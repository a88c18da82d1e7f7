/**
 * The fault matrix as data: every fault, every operation it affects, and the answer
 * expected while the fault lasts, written from issue 13 and DESIGN.md ("Partial results,
 * precisely"). The fault tests assert these rows against real faults; README.md's
 * "Fault matrix" table is `renderMatrix()` of them (test/unit/readme/faultMatrix.test.ts
 * keeps the two equal).
 */

export type Operation = 'list' | 'instance' | 'entities' | 'actions' | 'createServer' | 'quotaSet' | 'readyz';

/** The operations, in the README's column order, with the column titles. */
export const OPERATIONS: { op: Operation; title: string }[] = [
  { op: 'list', title: 'list (all projects, project, filtered, sorted, paged)' },
  { op: 'instance', title: '`instance(uuid)`' },
  { op: 'entities', title: 'entity fields' },
  { op: 'actions', title: 'reboot / stop / start / delete' },
  { op: 'createServer', title: '`createServer`' },
  { op: 'quotaSet', title: '`quotaSet`' },
  { op: 'readyz', title: '`/readyz`' },
];

export type CellStatus = 'OK' | 'TIMEOUT' | 'UNAVAILABLE' | 'ERROR';

/** What comes back, beside the HTTP status, the cell row and the error code. */
export type Answer =
  /** Lists: the other cells' rows, then UNKNOWN records of the failed cell (project-only, unsorted lists; every one reached once when paging). */
  | 'partial+unknown'
  /** As without the fault. */
  | 'full'
  /** Lists: every cell's rows with their `cell` (the router's) and their public `flavor` (held by the gateway); servers being scheduled missing, said by an error. */
  | 'cell data only'
  /** `instance(uuid)`: the minimal record (`status: UNKNOWN`, project, user, created, flavor) in `data` beside the error. */
  | 'unknown record'
  /** `data` null beside the error. */
  | 'null'
  /** `instanceMappings { instance }`: the failed cell's instances null, the other cells' resolved. */
  | 'failed cell null'
  /** `cell` (the router's: the cell it asked), the public `flavor` the gateway held before the fault and the instance's own fields present. */
  | 'held fields'
  /** A refused mutation: no action, no message, no reservation. */
  | 'nothing written'
  /** A mutation the cell may still carry out after the caller gave up: then with its message, else not at all. */
  | 'both or neither'
  /** The caller was told it failed, but the request may still be carried out once the process runs again: whole, never half. */
  | 'late or never'
  /** The action is applied: task state, instance action and its message in the host's queue. */
  | 'applied'
  /** The server is built in a live cell (not cell0, not the failed one) with its message queued; usage counted once. */
  | 'live cell'
  /** No live cell is left: the server is buried in cell0 in ERROR with a fault, counting one instance. */
  | 'cell0'
  | 'ready'
  | 'not ready';

export interface Expectation {
  http: 200 | 503;
  /** The failed cell's row (lists) or its last status (/readyz); for the global side, every cell's row. */
  cell?: CellStatus;
  /** Lists: `complete`. */
  complete?: boolean;
  /** `extensions.code` of the error in the answer; null: no error. */
  code: string | null;
  answer: Answer;
  /** A qualification the table shows in brackets. */
  note?: string;
}

export type FaultGroup = 'cell database' | 'cell subgraph' | 'broker' | 'global side';

export interface FaultRow {
  id: string;
  group: FaultGroup;
  /** How the fault is made (the README's first column). */
  fault: string;
  /** What ends the fault; after it every operation answers in full again with no process restarted. */
  recovery: string;
  expect: Partial<Record<Operation, Expectation>>;
}

/** What a cell that fails in any way (`status`) means for every operation. */
function cellFault(status: CellStatus, late: boolean): Partial<Record<Operation, Expectation>> {
  return {
    list: { http: 200, cell: status, complete: false, code: null, answer: 'partial+unknown' },
    instance: { http: 200, code: 'CELL_UNAVAILABLE', answer: 'unknown record' },
    entities: { http: 200, code: 'CELL_UNAVAILABLE', answer: 'failed cell null' },
    actions: { http: 200, code: 'CELL_UNAVAILABLE', answer: late ? 'both or neither' : 'nothing written' },
    createServer: { http: 200, code: null, answer: 'live cell' },
    quotaSet: { http: 200, code: null, answer: 'full' },
    readyz: { http: 200, cell: status, code: null, answer: 'ready' },
  };
}

/** A broker fault: reads unaffected; actions refused with nothing written; boots go where a broker takes them. */
function brokerFault(boots: 'live cell' | 'cell0', actions: Expectation): Partial<Record<Operation, Expectation>> {
  return {
    list: { http: 200, cell: 'OK', complete: true, code: null, answer: 'full' },
    instance: { http: 200, code: null, answer: 'full' },
    actions,
    createServer: { http: 200, code: null, answer: boots },
    readyz: { http: 200, cell: 'OK', code: null, answer: 'ready' },
  };
}

/** The global subgraph or its database gone: cell data still comes back; everything global says GLOBAL_UNAVAILABLE. */
function globalFault(frozen = false): Partial<Record<Operation, Expectation>> {
  return {
    list: { http: 200, cell: 'OK', complete: true, code: 'GLOBAL_UNAVAILABLE', answer: 'cell data only' },
    instance: {
      http: 200,
      code: 'GLOBAL_UNAVAILABLE',
      answer: 'null',
      note: 'a mapping the gateway has cached still routes',
    },
    entities: { http: 200, code: 'GLOBAL_UNAVAILABLE', answer: 'held fields' },
    actions: {
      http: 200,
      code: 'GLOBAL_UNAVAILABLE',
      answer: 'nothing written',
      note: 'a mapping the gateway has cached still routes',
    },
    createServer: { http: 200, code: 'GLOBAL_UNAVAILABLE', answer: frozen ? 'late or never' : 'nothing written' },
    quotaSet: { http: 200, code: 'GLOBAL_UNAVAILABLE', answer: 'null' },
    readyz: { http: 503, code: null, answer: 'not ready' },
  };
}

const RESTORED = 'fault removed; same processes';
const BROKER_REFUSES: Expectation = { http: 200, code: 'BROKER_UNAVAILABLE', answer: 'nothing written' };

export const FAULT_MATRIX: FaultRow[] = [
  {
    id: 'db-closed',
    group: 'cell database',
    fault: 'cell database `ALLOW_CONNECTIONS false` + `pg_terminate_backend`',
    recovery: 'connections allowed again',
    expect: cellFault('UNAVAILABLE', false),
  },
  {
    id: 'db-dropped',
    group: 'cell database',
    fault: 'cell database dropped',
    recovery: 'database restored from a copy',
    expect: cellFault('UNAVAILABLE', false),
  },
  {
    id: 'db-refused',
    group: 'cell database',
    fault: 'proxy before the cell database refuses (port closed)',
    recovery: 'proxy listens again',
    expect: cellFault('UNAVAILABLE', false),
  },
  {
    id: 'db-blackhole',
    group: 'cell database',
    fault: 'proxy before the cell database accepts, never answers',
    recovery: 'proxy forwards again (held traffic flows)',
    expect: cellFault('UNAVAILABLE', true),
  },
  {
    id: 'db-statement-timeout',
    group: 'cell database',
    fault: 'cell database `statement_timeout` 200 ms, slow query (table locked)',
    recovery: 'timeout reset, lock released',
    expect: cellFault('UNAVAILABLE', false),
  },
  {
    id: 'db-pool-exhausted',
    group: 'cell database',
    fault: "every connection of the cell subgraph's pool busy",
    recovery: 'connections released',
    expect: cellFault('UNAVAILABLE', false),
  },

  {
    id: 'sg-killed',
    group: 'cell subgraph',
    fault: 'cell subgraph process killed (SIGKILL)',
    recovery: 'process started again',
    expect: cellFault('UNAVAILABLE', false),
  },
  {
    id: 'sg-frozen',
    group: 'cell subgraph',
    fault: 'cell subgraph SIGSTOP (accepts, never answers)',
    recovery: 'SIGCONT',
    expect: cellFault('TIMEOUT', true),
  },
  {
    id: 'sg-slow',
    group: 'cell subgraph',
    fault: 'cell subgraph slower than the timeout',
    recovery: RESTORED,
    expect: cellFault('TIMEOUT', true),
  },
  {
    id: 'sg-500',
    group: 'cell subgraph',
    fault: 'cell subgraph answers HTTP 500',
    recovery: RESTORED,
    expect: cellFault('ERROR', false),
  },
  {
    id: 'sg-non-json',
    group: 'cell subgraph',
    fault: 'cell subgraph answers a body that is not JSON',
    recovery: RESTORED,
    expect: cellFault('ERROR', false),
  },
  {
    id: 'sg-other-schema',
    group: 'cell subgraph',
    fault: 'cell subgraph serves a different schema',
    recovery: RESTORED,
    expect: cellFault('ERROR', false),
  },

  {
    id: 'mq-stopped',
    group: 'broker',
    fault: 'RabbitMQ `stop_app`',
    recovery: '`start_app`; publishers reconnect',
    expect: brokerFault('cell0', BROKER_REFUSES),
  },
  {
    id: 'mq-vhost-deleted',
    group: 'broker',
    fault: "one cell's vhost deleted",
    recovery: 'vhost created again',
    expect: brokerFault('live cell', BROKER_REFUSES),
  },
  {
    id: 'mq-queue-deleted',
    group: 'broker',
    fault: 'a compute queue (`compute.<host>`) deleted',
    recovery: "the host's agent declares its queue again",
    expect: brokerFault('live cell', {
      http: 200,
      code: 'HOST_UNAVAILABLE',
      answer: 'nothing written',
      note: 'never confirmed and lost',
    }),
  },
  {
    id: 'mq-memory-alarm',
    group: 'broker',
    fault: 'RabbitMQ memory alarm (publishers blocked)',
    recovery: 'watermark restored',
    expect: brokerFault('cell0', BROKER_REFUSES),
  },

  {
    id: 'global-killed',
    group: 'global side',
    fault: 'global subgraph process killed (SIGKILL)',
    recovery: 'process started again',
    expect: globalFault(),
  },
  {
    id: 'global-frozen',
    group: 'global side',
    fault: 'global subgraph SIGSTOP (accepts, never answers)',
    recovery: 'SIGCONT',
    expect: globalFault(true),
  },
  {
    id: 'api-db-refused',
    group: 'global side',
    fault: 'API database `ALLOW_CONNECTIONS false` + `pg_terminate_backend`',
    recovery: 'connections allowed again',
    expect: globalFault(),
  },
];

/** The rows of one group, in table order. */
export function faultsOf(group: FaultGroup): FaultRow[] {
  return FAULT_MATRIX.filter((row) => row.group === group);
}

export function faultRow(id: string): FaultRow {
  const row = FAULT_MATRIX.find((r) => r.id === id);
  if (!row) throw new Error(`no fault ${id} in the matrix`);
  return row;
}

const ANSWER_TEXT: Record<Answer, string> = {
  'partial+unknown': "other cells' rows + UNKNOWN records",
  full: 'as without the fault',
  'cell data only': 'cell rows with `cell` and held `flavor`',
  'unknown record': 'UNKNOWN record',
  null: 'null',
  'failed cell null': "that cell's instances null",
  'held fields': '`cell` and held public `flavor` answered',
  'nothing written': 'nothing written',
  'both or neither': 'action + message later, or neither',
  'late or never': 'may be built after SIGCONT, never half',
  applied: 'applied, message queued',
  'live cell': 'built in a live cell',
  cell0: 'buried in cell0 (ERROR)',
  ready: 'ready',
  'not ready': 'not ready',
};

/** One cell of the README table: `HTTP · cell row · complete · code · answer (note)`. */
export function renderExpectation(e: Expectation | undefined): string {
  if (!e) return '—';
  const parts: string[] = [String(e.http)];
  if (e.cell) parts.push(e.cell);
  if (e.complete !== undefined) parts.push(e.complete ? 'complete' : 'incomplete');
  if (e.code) parts.push(e.code);
  parts.push(ANSWER_TEXT[e.answer] + (e.note ? ` (${e.note})` : ''));
  return parts.join(' · ');
}

/** The README's fault matrix table: one row per fault, one column per operation, then recovery. */
export function renderMatrix(): string {
  const header = ['Fault', ...OPERATIONS.map((o) => o.title), 'Recovery'];
  const lines = [row(header), row(header.map(() => '---'))];
  for (const fault of FAULT_MATRIX)
    lines.push(row([fault.fault, ...OPERATIONS.map((o) => renderExpectation(fault.expect[o.op])), fault.recovery]));
  return lines.join('\n');
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}
