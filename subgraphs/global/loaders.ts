import DataLoader from 'dataloader';
import type { ApiClient } from '../../prisma/clients';
import {
  Prisma,
  type CellMapping,
  type HostMapping,
  type InstanceMapping,
  type SecurityGroup,
  type SecurityGroupRule,
} from '../../prisma/api/generated/client';
import { camelRows } from '../../infrastructure/camelRow';
import { flavorInclude, type FlavorRow } from '../../domain/flavorRow';

export type MappingRow = InstanceMapping & { cell: CellMapping | null };

/** Per-request batch loaders: N look-ups of one kind in one plan step cost one SQL statement. */
export interface GlobalLoaders {
  mappingByInstanceUuid: DataLoader<string, MappingRow | null>;
  cellById: DataLoader<number, CellMapping | null>;
  hostCountByCellId: DataLoader<number, number>;
  hostsByCellId: DataLoader<number, HostMapping[]>;
  flavorById: DataLoader<number, FlavorRow | null>;
  tagsByResourceId: DataLoader<string, string[]>;
  securityGroupById: DataLoader<number, SecurityGroup | null>;
  rulesByGroupId: DataLoader<number, SecurityGroupRule[]>;
  /** A request spec's JSON text by instance uuid. */
  requestSpecByInstanceUuid: DataLoader<string, string | null>;
  /** A live (not deleted) flavor by name: request specs written without the flavor's id. */
  liveFlavorByName: DataLoader<string, FlavorRow | null>;
}

export function createLoaders(prisma: ApiClient): GlobalLoaders {
  return {
    mappingByInstanceUuid: new DataLoader(async (uuids) =>
      byKey(uuids, await mappingsWithCells(prisma, uuids), (row) => row.instanceUuid),
    ),
    cellById: new DataLoader(async (ids) =>
      byKey(ids, await prisma.cellMapping.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id),
    ),
    hostCountByCellId: new DataLoader(async (ids) => {
      const counts = await prisma.hostMapping.groupBy({
        by: ['cellId'],
        where: { cellId: { in: [...ids] } },
        _count: { _all: true },
      });
      const byCell = new Map(counts.map((c) => [c.cellId, c._count._all]));
      return ids.map((id) => byCell.get(id) ?? 0);
    }),
    hostsByCellId: new DataLoader(async (ids) => {
      const rows = await prisma.hostMapping.findMany({ where: { cellId: { in: [...ids] } }, orderBy: { host: 'asc' } });
      return groupBy(ids, rows, (row) => row.cellId);
    }),
    flavorById: new DataLoader(async (ids) => {
      const rows = await prisma.instanceType.findMany({ where: { id: { in: [...ids] } }, include: flavorInclude });
      return byKey(ids, rows, (row) => row.id);
    }),
    tagsByResourceId: new DataLoader(async (ids) => {
      const rows = await prisma.tag.findMany({ where: { resourceId: { in: [...ids] } }, orderBy: { tag: 'asc' } });
      return groupBy(ids, rows, (row) => row.resourceId).map((tags) => tags.map((t) => t.tag));
    }),
    securityGroupById: new DataLoader(async (ids) => {
      const rows = await prisma.securityGroup.findMany({ where: { id: { in: [...ids] }, deleted: 0 } });
      return byKey(ids, rows, (row) => row.id);
    }),
    rulesByGroupId: new DataLoader(async (ids) => {
      const rows = await prisma.securityGroupRule.findMany({
        where: { parentGroupId: { in: [...ids] }, deleted: 0 },
        orderBy: { id: 'asc' },
      });
      return groupBy(ids, rows, (row) => row.parentGroupId);
    }),
    requestSpecByInstanceUuid: new DataLoader(async (uuids) => {
      const rows = await prisma.requestSpec.findMany({
        where: { instanceUuid: { in: [...uuids] } },
        select: { instanceUuid: true, spec: true },
      });
      return byKey(uuids, rows, (row) => row.instanceUuid).map((row) => row?.spec ?? null);
    }),
    liveFlavorByName: new DataLoader(async (names) => {
      const rows = await prisma.instanceType.findMany({
        where: { name: { in: [...names] }, deleted: 0 },
        include: flavorInclude,
        orderBy: { id: 'asc' },
      });
      return byKey(names, rows.reverse(), (row) => row.name); // the oldest live one wins a duplicated name
    }),
  };
}

/**
 * Instance mappings with their cells. Plain SQL for the mappings (a page asks for 1000
 * at once, and findMany with `include` built a cell object per mapping and cost about
 * 2.5 times the statements); the few cells they name are read once and shared.
 */
async function mappingsWithCells(prisma: ApiClient, uuids: readonly string[]): Promise<MappingRow[]> {
  const raw = await prisma.$queryRaw<Record<string, unknown>[]>(
    Prisma.sql`SELECT * FROM instance_mappings WHERE instance_uuid = ANY(${[...uuids]})`,
  );
  const mappings = camelRows<InstanceMapping>(raw);
  const cellIds = [...new Set(mappings.flatMap((m) => (m.cellId === null ? [] : [m.cellId])))];
  const cells = cellIds.length ? await prisma.cellMapping.findMany({ where: { id: { in: cellIds } } }) : [];
  const byId = new Map(cells.map((cell) => [cell.id, cell]));
  return mappings.map((m) => ({ ...m, cell: m.cellId === null ? null : (byId.get(m.cellId) ?? null) }));
}

// DataLoader wants one answer per key, in key order; a missing row is null.
function byKey<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): (R | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

function groupBy<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): R[][] {
  const map = new Map<K, R[]>();
  for (const row of rows) {
    const list = map.get(keyOf(row)) ?? [];
    list.push(row);
    map.set(keyOf(row), list);
  }
  return keys.map((key) => map.get(key) ?? []);
}
