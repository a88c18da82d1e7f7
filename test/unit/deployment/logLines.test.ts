import { formatChildLine } from '../../../deployment/logLines';

describe('formatting a child process line', () => {
  it('turns a pino JSON line into level, message and fields, prefixed with the child name', () => {
    const line = JSON.stringify({
      level: 30,
      time: 1,
      pid: 7,
      hostname: 'h',
      service: 'cell:cell1',
      msg: 'cell subgraph started',
      url: 'http://x',
      n: 2,
    });
    expect(formatChildLine('cell1', line)).toBe('[cell1] INFO cell subgraph started url=http://x n=2');
  });

  it('keeps any other line as it is', () => {
    expect(formatChildLine('gateway', 'plain text')).toBe('[gateway] plain text');
    expect(formatChildLine('gateway', '{not json')).toBe('[gateway] {not json');
  });
});
