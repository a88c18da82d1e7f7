import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FAULT_MATRIX, OPERATIONS, renderExpectation } from '../../integration/faults/matrix';

// The README's "Fault matrix" table, as rows of cells.
function readmeTable(): string[][] {
  const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('\n## Fault matrix\n');
  if (start < 0) throw new Error('README.md has no "## Fault matrix" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

describe("README's fault matrix", () => {
  const table = readmeTable();

  it('has the operations as columns, in the order of matrix.ts', () => {
    expect(table[0]).toEqual(['Fault', ...OPERATIONS.map((o) => o.title), 'Recovery']);
    expect(table[1].every((cell) => /^-+$/.test(cell))).toBe(true);
  });

  it('has one row per fault of matrix.ts, cell by cell the same', () => {
    const expected = FAULT_MATRIX.map((fault) => [
      fault.fault,
      ...OPERATIONS.map((o) => renderExpectation(fault.expect[o.op])),
      fault.recovery,
    ]);
    expect(table.slice(2)).toEqual(expected);
  });

  it('covers every fault issue 13 names', () => {
    expect(FAULT_MATRIX.map((f) => f.id)).toEqual([
      'db-closed',
      'db-dropped',
      'db-refused',
      'db-blackhole',
      'db-statement-timeout',
      'db-pool-exhausted',
      'sg-killed',
      'sg-frozen',
      'sg-slow',
      'sg-500',
      'sg-non-json',
      'sg-other-schema',
      'mq-stopped',
      'mq-vhost-deleted',
      'mq-queue-deleted',
      'mq-memory-alarm',
      'global-killed',
      'global-frozen',
      'api-db-refused',
    ]);
  });

  it('gives every cell fault a status for the failed cell, and every global fault GLOBAL_UNAVAILABLE', () => {
    for (const fault of FAULT_MATRIX) {
      if (fault.group === 'cell database' || fault.group === 'cell subgraph')
        expect(fault.expect.list).toMatchObject({ complete: false, answer: 'partial+unknown' });
      if (fault.group === 'global side') expect(fault.expect.list?.code).toBe('GLOBAL_UNAVAILABLE');
    }
  });
});
