import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool } from 'pg';
import { parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import type { Prisma } from '../prisma/cell/generated/client';
import { CONNECTION_OPTIONS } from '../prisma/clients';
import {
  comparePositions,
  DEFAULT_SORT,
  encodeCursor,
  positionOf,
  type Position,
  type SortSpec,
} from '../domain/instanceOrder';
import { SERVICE_IDENTITY } from '../domain/identity';
import { statusFromState } from '../domain/instanceStatus';
import { camelRow } from '../infrastructure/camelRow';
import { filterToSql } from '../subgraphs/cell/instanceFilter';
import { pageQuery } from '../subgraphs/cell/instancePage';
import { pageColumns } from '../subgraphs/cell/instanceColumns';
import { nodeFieldNames } from '../subgraphs/cell/prefetchNested';
import { nestedQuery, type NestedOptions } from '../subgraphs/cell/loaders';
import { LIST_DETAIL_DIRECT } from './queries';

/**
 * The data floor of issue 14: what list-1000-detail returns, fetched with `pg` directly
 * and nothing else. The statements are the cell subgraph's own (its page builder and
 * its loaders' builder), so the floor and the subgraph read the same rows the same way.
 */

const SORT: SortSpec[] = DEFAULT_SORT;
// The gateway's share of a page per cell (gateway/cellRouter/listInstances.ts BATCH_SLACK).
const BATCH_SLACK = 1.1;

/** The nested lists list-1000-detail selects, as the cell subgraph's loaders read them. */
export const DETAIL_NESTED: { field: string; table: string; options: NestedOptions }[] = [
  { field: 'metadata', table: 'instance_metadata', options: { order: 'key' } },
  { field: 'infoCache', table: 'instance_info_caches', options: { live: false } },
  { field: 'faults', table: 'instance_faults', options: { order: 'created_at DESC, id DESC' } },
  { field: 'blockDeviceMappings', table: 'block_device_mapping', options: { order: 'boot_index, id' } },
];

type Row = Record<string, any>;

/** One cell's batch: its rows (camelCase, nested lists attached) and whether more follow. */
interface CellBatch {
  rows: Row[];
  hasMore: boolean;
}

/** The batch size the gateway asks each of `cells` cells for, for a page of `first`. */
export function batchSize(first: number, cells: number): number {
  return Math.min(first, Math.ceil((first / Math.max(cells, 1)) * BATCH_SLACK));
}

// The columns the cell subgraph reads for list-1000-detail's nodes (subgraphs/cell/instanceColumns.ts).
const DETAIL_COLUMNS = (() => {
  const operation = parse(LIST_DETAIL_DIRECT).definitions[0] as OperationDefinitionNode;
  const columns = pageColumns(nodeFieldNames([operation.selectionSet.selections[0] as FieldNode], {}), SORT);
  if (!columns) throw new Error('data floor: list-1000-detail selects a field instanceColumns.ts does not know');
  return columns;
})();

/** The statements of one cell page: the keyset page, then the nested lists by uuid. */
export function pageStatement(first: number, after: Position | null, cellUuid: string): Prisma.Sql {
  const filter = filterToSql({ allProjects: true }, SERVICE_IDENTITY, cellUuid);
  if (filter.kind !== 'sql') throw new Error('data floor: the allProjects filter selected nothing');
  return pageQuery({ conditions: filter.conditions, sort: SORT, after, first, columns: DETAIL_COLUMNS });
}

async function run(pool: Pool, sql: { text: string; values: unknown[] }): Promise<Row[]> {
  return (await pool.query(sql.text, sql.values)).rows;
}

/**
 * One cell's page as the cell subgraph runs it: the page statement, then every nested
 * statement in parallel. Returns the rows with their nested lists attached and the
 * milliseconds spent in SQL (wall time, page plus the slowest nested statement).
 */
export async function cellPageSql(
  pool: Pool,
  cellUuid: string,
  first: number,
  after: Position | null,
): Promise<CellBatch & { sqlMs: number; statements: number }> {
  const started = performance.now();
  const raw = await run(pool, pageStatement(first, after, cellUuid));
  const rows = raw.slice(0, first).map((r) => camelRow<Row>(r));
  const uuids = rows.map((r) => r.uuid as string);
  if (uuids.length > 0) {
    const lists = await Promise.all(
      DETAIL_NESTED.map((n) => run(pool, nestedQuery(n.table, 'instance_uuid', n.options, uuids))),
    );
    const byUuid = new Map(rows.map((r) => [r.uuid as string, r]));
    DETAIL_NESTED.forEach((n, i) => {
      for (const row of rows) row[n.field] = [];
      for (const r of lists[i]) byUuid.get(r.instance_uuid)?.[n.field].push(camelRow<Row>(r));
    });
  }
  const statements = 1 + (uuids.length > 0 ? DETAIL_NESTED.length : 0);
  return { rows, hasMore: raw.length > first, sqlMs: performance.now() - started, statements };
}

/** Pools per cell database and for the API database, opened lazily, closed by `close`. */
export interface FloorPools {
  api: Pool;
  cells: { uuid: string; pool: Pool }[];
  /** The `application_name` every connection of these pools carries, and no other pool's. */
  application: string;
  /** Ends every pool and returns once the server has let their connections go (endPools). */
  close(): Promise<void>;
}

let floorPoolsOpened = 0;

export function floorPools(apiUrl: string, cells: { uuid: string; databaseUrl: string }[], max: number): FloorPools {
  // This process's pid and a count: endPools waits on these connections and no one else's.
  const application = `cells-bench-floor-${process.pid}-${++floorPoolsOpened}`;
  const open = (url: string) => {
    const pool = new Pool({
      connectionString: url,
      options: CONNECTION_OPTIONS,
      max,
      idleTimeoutMillis: 1000,
      application_name: application,
    });
    pool.on('error', () => undefined);
    return pool;
  };
  const api = open(apiUrl);
  const cellPools = cells.map((c) => ({ uuid: c.uuid, pool: open(c.databaseUrl) }));
  return {
    api,
    cells: cellPools,
    application,
    close: () => endPools([api, ...cellPools.map((c) => c.pool)], apiUrl, application),
  };
}

const GONE_WAIT_MS = 10000;

/**
 * Ends `pools` (every connection named `application`) and waits until the server has none
 * of them. pg's end() resolves once its sockets close, while the server's backends are
 * still exiting: measured here, up to 35 of 60 still held their slots 100-190 ms later.
 * The scenario after the floor starts at once and the cell subgraphs open their pools
 * again, so without this wait both sets share max_connections for a moment, and a cell
 * refused with "too many clients" made an answer under the throughput load `complete: false`.
 */
async function endPools(pools: Pool[], url: string, application: string): Promise<void> {
  await Promise.all(pools.map((p) => p.end()));
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    const deadline = performance.now() + GONE_WAIT_MS;
    for (;;) {
      const left = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
        [application],
      );
      if (left.rows[0].n === 0) return;
      if (performance.now() > deadline)
        throw new Error(`${left.rows[0].n} bench connection(s) still open ${GONE_WAIT_MS} ms after their pools ended`);
      await sleep(20);
    }
  } finally {
    await admin.end();
  }
}

/**
 * The floor: one keyset query per cell in parallel (the gateway's batch size), the
 * nested look-ups, flavors and cell names from the API database, a k-way merge in JS
 * (a cell whose batch runs out is asked again, as the gateway does), and the answer
 * JSON.stringify'd as the gateway would send it. Returns the JSON text.
 */
export async function dataFloorPage(pools: FloorPools, first: number): Promise<string> {
  const cellNames = run(pools.api, { text: 'SELECT uuid, name FROM cell_mappings', values: [] });
  const streams = await Promise.all(
    pools.cells.map(async (c) => {
      const batch = await cellPageSql(c.pool, c.uuid, batchSize(first, pools.cells.length), null);
      return { ...c, buffer: batch.rows, hasMore: batch.hasMore, taken: 0 };
    }),
  );
  const page: { row: Row; cell: string }[] = [];
  const positions = new Map<Row, Position>();
  const position = (row: Row) => {
    let p = positions.get(row);
    if (!p) positions.set(row, (p = positionOf(row, SORT)));
    return p;
  };
  while (page.length < first) {
    let best: (typeof streams)[number] | null = null;
    for (const s of streams) {
      if (s.taken === s.buffer.length) {
        if (!s.hasMore) continue;
        const last = s.buffer[s.buffer.length - 1];
        const more = await cellPageSql(s.pool, s.uuid, first - page.length, last ? position(last) : null);
        s.buffer.push(...more.rows);
        s.hasMore = more.hasMore;
        if (s.taken === s.buffer.length) continue;
      }
      if (!best || comparePositions(position(s.buffer[s.taken]), position(best.buffer[best.taken]), SORT) < 0) best = s;
    }
    if (!best) break;
    page.push({ row: best.buffer[best.taken++], cell: best.uuid });
  }
  const flavorIds = [...new Set(page.map((p) => p.row.instanceTypeId))];
  const [flavorRows, cellRows] = await Promise.all([
    run(pools.api, { text: 'SELECT id, name, vcpus FROM instance_types WHERE id = ANY($1)', values: [flavorIds] }),
    cellNames,
  ]);
  const flavors = new Map(flavorRows.map((f) => [f.id, { name: f.name, vcpus: f.vcpus }]));
  const names = new Map(cellRows.map((c) => [c.uuid, { name: c.name }]));
  const hasNextPage = streams.some((s) => s.taken < s.buffer.length || s.hasMore);
  const edges = page.map(({ row, cell }) => ({ cursor: encodeCursor(position(row), SORT), node: detail(row, cell) }));
  return JSON.stringify({
    data: {
      instances: {
        edges,
        pageInfo: { hasNextPage, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
        complete: true,
        cells: streams.map((s) => ({
          cellUuid: s.uuid,
          cellName: names.get(s.uuid)?.name,
          status: 'OK',
          message: null,
        })),
      },
    },
  });

  function detail(r: Row, cell: string) {
    const fault = r.faults[0];
    return {
      uuid: r.uuid,
      status: statusFromState(r.vmState, r.taskState),
      displayName: r.displayName,
      projectId: r.projectId,
      userId: r.userId,
      host: r.host,
      node: r.node,
      vmState: r.vmState,
      taskState: r.taskState,
      powerState: r.powerState,
      keyName: r.keyName,
      imageRef: r.imageRef,
      availabilityZone: r.availabilityZone,
      accessIpV4: r.accessIpV4,
      accessIpV6: r.accessIpV6,
      locked: r.locked,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
      launchedAt: iso(r.launchedAt),
      terminatedAt: iso(r.terminatedAt),
      metadata: r.metadata.map((m: Row) => ({ key: m.key, value: m.value })),
      infoCache: r.infoCache[0] ? { networkInfo: r.infoCache[0].networkInfo } : null,
      fault: fault ? { code: fault.code, message: fault.message, createdAt: iso(fault.createdAt) } : null,
      blockDeviceMappings: r.blockDeviceMappings.map((b: Row) => ({
        volumeId: b.volumeId,
        deleteOnTermination: b.deleteOnTermination,
      })),
      flavor: flavors.get(r.instanceTypeId) ?? null,
      cell: names.get(cell) ?? null,
    };
  }
}

function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : value == null ? null : String(value);
}
