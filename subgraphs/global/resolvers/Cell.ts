import { isCell0, type CellMapping, type HostMapping } from '../../../cellsAdmin';
import { maskUrl } from '../../../prisma/databaseUrl';
import { badInput } from '../../../domain/errors';
import { oneProject, requireAdmin } from '../access';
import type { GlobalContext } from '../context';
import { cellMutations } from './cellMutations';

const byName = [{ name: 'asc' as const }, { uuid: 'asc' as const }];

export const cellResolvers = {
  Query: {
    cells: (_: unknown, __: unknown, ctx: GlobalContext) => ctx.prisma.cellMapping.findMany({ orderBy: byName }),
    cell: (_: unknown, args: { uuid?: string | null; name?: string | null }, ctx: GlobalContext) => {
      const given = [args.uuid, args.name].filter((v) => v !== null && v !== undefined);
      if (given.length !== 1) throw badInput('cell', args, 'exactly one of uuid or name');
      return args.uuid
        ? ctx.prisma.cellMapping.findUnique({ where: { uuid: args.uuid } })
        : ctx.prisma.cellMapping.findFirst({ where: { name: args.name }, orderBy: byName });
    },
    hosts: (_: unknown, args: { cellUuid?: string | null }, ctx: GlobalContext) => {
      requireAdmin(ctx.identity, 'hosts');
      return ctx.prisma.hostMapping.findMany({
        where: args.cellUuid ? { cell: { uuid: args.cellUuid } } : {},
        orderBy: { host: 'asc' },
      });
    },
    projectCells: (_: unknown, args: { projectId: string }, ctx: GlobalContext) => {
      const projectId = oneProject(ctx.identity, args.projectId);
      return ctx.prisma.cellMapping.findMany({
        where: { instanceMappings: { some: { projectId, queuedForDelete: false } } },
        orderBy: byName,
      });
    },
  },
  Mutation: cellMutations,
  Cell: {
    __resolveReference: (ref: { uuid: string }, ctx: GlobalContext) =>
      ctx.prisma.cellMapping.findUnique({ where: { uuid: ref.uuid } }),
    isCell0: (cell: CellMapping) => isCell0(cell),
    graphqlUrl: (cell: CellMapping, _: unknown, ctx: GlobalContext) => (ctx.identity.isAdmin ? cell.graphqlUrl : null),
    transportUrl: (cell: CellMapping, _: unknown, ctx: GlobalContext) =>
      ctx.identity.isAdmin ? maskUrl(cell.transportUrl) : null,
    databaseConnection: (cell: CellMapping, _: unknown, ctx: GlobalContext) =>
      ctx.identity.isAdmin ? maskUrl(cell.databaseConnection) : null,
    hostCount: (cell: CellMapping, _: unknown, ctx: GlobalContext) => ctx.loaders.hostCountByCellId.load(cell.id),
    hosts: (cell: CellMapping, _: unknown, ctx: GlobalContext) => {
      requireAdmin(ctx.identity, 'Cell.hosts');
      return ctx.loaders.hostsByCellId.load(cell.id);
    },
  },
  Host: {
    cell: (host: HostMapping, _: unknown, ctx: GlobalContext) => ctx.loaders.cellById.load(host.cellId),
  },
};
