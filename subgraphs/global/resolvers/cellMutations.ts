import {
  createCell,
  CellsAdminError,
  deleteCell,
  discoverHosts,
  setCellDisabled,
  updateCell,
  type CreateCellInput,
  type UpdateCellInput,
} from '../../../cellsAdmin';
import { createCellClient } from '../../../prisma/clients';
import { cellsError, ErrorCode } from '../../../domain/errors';
import { requireAdmin } from '../access';
import type { GlobalContext } from '../context';

/** The cells CLI's operations over GraphQL: same library, same checks, admins only. */
export const cellMutations = {
  createCell: (_: unknown, args: { input: CreateCellInput }, ctx: GlobalContext) =>
    admin(ctx, 'createCell', () => createCell(ctx.prisma, withoutNulls(args.input))),
  updateCell: (_: unknown, args: { cell: string; input: UpdateCellInput }, ctx: GlobalContext) =>
    admin(ctx, 'updateCell', () => updateCell(ctx.prisma, args.cell, withoutNulls(args.input))),
  enableCell: (_: unknown, args: { cell: string }, ctx: GlobalContext) =>
    admin(ctx, 'enableCell', () => setCellDisabled(ctx.prisma, args.cell, false)),
  disableCell: (_: unknown, args: { cell: string }, ctx: GlobalContext) =>
    admin(ctx, 'disableCell', () => setCellDisabled(ctx.prisma, args.cell, true)),
  deleteCell: (_: unknown, args: { cell: string; force?: boolean | null }, ctx: GlobalContext) =>
    admin(ctx, 'deleteCell', async () => {
      const result = await deleteCell(ctx.prisma, args.cell, { force: args.force ?? false });
      return {
        uuid: result.cell.uuid,
        name: result.cell.name,
        hostsUnmapped: result.hostsUnmapped,
        instancesUnmapped: result.instancesUnmapped,
      };
    }),
  discoverHosts: (_: unknown, args: { cell?: string | null }, ctx: GlobalContext) =>
    admin(ctx, 'discoverHosts', async () => {
      // Each cell database is opened for the scan only; the library disconnects it after.
      const found = await discoverHosts(ctx.prisma, {
        cell: args.cell ?? undefined,
        openCell: (url) => createCellClient(url, { max: 2 }),
      });
      return ctx.prisma.hostMapping.findMany({
        where: { host: { in: found.map((h) => h.host) } },
        orderBy: { host: 'asc' },
      });
    }),
};

async function admin<T>(ctx: GlobalContext, action: string, run: () => Promise<T>): Promise<T> {
  requireAdmin(ctx.identity, action);
  try {
    return await run();
  } catch (err) {
    throw err instanceof CellsAdminError ? toGraphQLError(err) : err;
  }
}

/** The library's refusals in the subgraph's codes; `field` travels along. */
function toGraphQLError(err: CellsAdminError) {
  const details = err.field ? { field: err.field } : {};
  switch (err.code) {
    case 'NOT_FOUND':
      return cellsError(ErrorCode.NOT_FOUND, err.message, details);
    case 'CONFLICT':
      return cellsError(ErrorCode.CONFLICT, err.message, details);
    case 'BAD_INPUT':
      return cellsError(ErrorCode.BAD_USER_INPUT, err.message, details);
    case 'REFUSED':
      // The cell's state (cell0, hosts or instances still mapped) forbids the change.
      return cellsError(ErrorCode.CONFLICT, err.message, { ...details, reason: 'REFUSED' });
    case 'UNAVAILABLE':
      return cellsError(ErrorCode.CELL_UNAVAILABLE, err.message, details);
    default: {
      const never: never = err.code;
      return cellsError(ErrorCode.INTERNAL_SERVER_ERROR, `unknown cells admin error ${String(never)}`);
    }
  }
}

// GraphQL sends null for an omitted optional field; the library wants it absent.
function withoutNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as T;
}
