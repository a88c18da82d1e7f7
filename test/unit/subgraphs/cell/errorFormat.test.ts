import { formatCellError } from '../../../../subgraphs/cell/errorFormat';

describe('formatting errors of the cell subgraph', () => {
  it('turns an unreachable database into CELL_UNAVAILABLE', () => {
    const cause = new Error("Can't reach database server at 127.0.0.1:1");
    const formatted = formatCellError({ message: 'Raw query failed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { originalError: cause });
    expect(formatted.extensions?.code).toBe('CELL_UNAVAILABLE');
    expect(formatted.message).toContain('the cell database is unavailable');
  });

  it('keeps codes the resolvers chose and other internal errors as they are', () => {
    const chosen = { message: 'bad', extensions: { code: 'BAD_USER_INPUT' } };
    expect(formatCellError(chosen, new Error('ECONNREFUSED'))).toBe(chosen);
    const bug = { message: 'x is undefined', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    expect(formatCellError(bug, new TypeError('x is undefined'))).toBe(bug);
  });
});
