import {
  SUMMARY_FIELD,
  hostsVariables,
  joinHosts,
  missingCells,
  percentUsed,
  summariesByCell,
  type ComputeNode,
  type ComputeService,
  type HostsAnswer,
} from '../../../dashboard/src/hostsApi';

const CELL1 = '11111111-1111-1111-1111-111111111111';
const CELL2 = '22222222-2222-2222-2222-222222222222';

const service = (cellUuid: string, host: string, state: ComputeService['state']): ComputeService => ({
  cellUuid,
  host,
  binary: 'nova-compute',
  disabled: false,
  disabledReason: null,
  forcedDown: false,
  lastSeenUp: state === 'UNKNOWN' ? null : '2026-12-02T15:00:00.000Z',
  state,
});
const node = (cellUuid: string, host: string, vcpusUsed: number): ComputeNode => ({
  cellUuid,
  host,
  hypervisorHostname: host,
  vcpus: 16,
  vcpusUsed,
  memoryMb: 32768,
  memoryMbUsed: 1024,
  localGb: 500,
  localGbUsed: 20,
  runningVms: 1,
});
const ok = (cellUuid: string, cellName: string) => ({
  cellUuid,
  cellName,
  status: 'OK' as const,
  message: null,
  elapsedMs: 3,
});
const down = (cellUuid: string, cellName: string) => ({
  cellUuid,
  cellName,
  status: 'UNAVAILABLE' as const,
  message: 'cell unavailable',
  elapsedMs: 1,
});
const page = <T>(nodes: T[], cells: HostsAnswer['computeServices']['cells'], complete: boolean) => ({
  edges: nodes.map((n, i) => ({ cursor: `c${i}`, node: n })),
  pageInfo: { hasNextPage: false, endCursor: null },
  complete,
  cells,
});

describe('the Hosts page adapter', () => {
  // Two cells with the same host name: the join is by cell and host, never by host alone.
  const answer: HostsAnswer = {
    computeServices: page(
      [service(CELL1, 'same-host', 'UP'), service(CELL1, 'stopped', 'DOWN'), service(CELL2, 'same-host', 'UNKNOWN')],
      [ok(CELL1, 'cell1'), down(CELL2, 'cell2')],
      false,
    ),
    computeNodes: page(
      [node(CELL1, 'stopped', 2), node(CELL1, 'same-host', 5)],
      [ok(CELL1, 'cell1'), down(CELL2, 'cell2')],
      false,
    ),
    cells: [
      { uuid: CELL1, name: 'cell1' },
      { uuid: CELL2, name: 'cell2' },
    ],
  };

  it('joins each service with the node of its cell and host, none for a cell that did not answer', () => {
    const rows = joinHosts(answer);
    expect(rows.map((r) => [r.cellName, r.service.host, r.service.state, r.node?.vcpusUsed ?? null])).toEqual([
      ['cell1', 'same-host', 'UP', 5],
      ['cell1', 'stopped', 'DOWN', 2],
      ['cell2', 'same-host', 'UNKNOWN', null],
    ]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('names each cell that did not answer once, for the banner', () => {
    expect(missingCells(answer).map((c) => c.cellName)).toEqual(['cell2']);
  });

  it('sends only the filters that are set, the host to both lists', () => {
    expect(hostsVariables({ host: ' h1 ', state: 'DOWN', binary: '' }, 25, 'cur')).toEqual({
      services: { host: 'h1', state: 'DOWN' },
      nodes: { host: 'h1' },
      first: 25,
      after: 'cur',
    });
    expect(hostsVariables({ host: '', state: '', binary: 'nova-compute' }, 10, null)).toEqual({
      services: { binary: 'nova-compute' },
      nodes: {},
      first: 10,
      after: null,
    });
  });

  it('reads the summaries by cell, dropping the summary of a cell that did not answer', () => {
    const summary = {
      cellUuid: CELL1,
      cellName: 'cell1',
      instancesByStatus: [{ status: 'ACTIVE', count: 3 }],
      hostsUp: 1,
      hostsDown: 1,
      capacity: {
        vcpus: 16,
        vcpusUsed: 4,
        vcpusFree: 12,
        memoryMb: 1000,
        memoryMbUsed: 250,
        memoryMbFree: 750,
        localGb: 10,
        localGbUsed: 10,
        localGbFree: 0,
      },
    };
    const byCell = summariesByCell({
      [SUMMARY_FIELD]: [
        { ...ok(CELL1, 'cell1'), summary },
        { ...down(CELL2, 'cell2'), summary: null },
      ],
    });
    expect(byCell.get(CELL1)).toEqual({ row: ok(CELL1, 'cell1'), summary });
    expect(byCell.get(CELL2)).toEqual({ row: down(CELL2, 'cell2'), summary: null });
    expect(summariesByCell(undefined).size).toBe(0);
  });

  it('draws capacity as a bounded share of the total', () => {
    expect(percentUsed(4, 16)).toBe(25);
    expect(percentUsed(3, 0)).toBe(0);
    expect(percentUsed(20, 10)).toBe(100);
  });
});
