import {
  createCell,
  CellsAdminError,
  type CellsAdminErrorCode,
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
  const [code, extra] = GRAPHQL_CODE_OF[err.code];
  return cellsError(code, err.message, { ...details, ...extra });
}

// Record, not switch: a library code without a GraphQL code fails to compile.
const GRAPHQL_CODE_OF: Record<CellsAdminErrorCode, [ErrorCode, Record<string, string>]> = {
  [ErrorCode.NOT_FOUND]: [ErrorCode.NOT_FOUND, {}],
  [ErrorCode.CONFLICT]: [ErrorCode.CONFLICT, {}],
  [ErrorCode.BAD_INPUT]: [ErrorCode.BAD_USER_INPUT, {}],
  // The cell's state (cell0, hosts or instances still mapped) forbids the change.
  [ErrorCode.REFUSED]: [ErrorCode.CONFLICT, { reason: ErrorCode.REFUSED }],
  [ErrorCode.UNAVAILABLE]: [ErrorCode.CELL_UNAVAILABLE, {}],
};

// GraphQL sends null for an omitted optional field; the library wants it absent.
function withoutNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as T;
}
