import { randomUUID } from 'node:crypto';
import { isCell0 } from '../domain/cell0';
import { describe, ErrorCode } from '../domain/errors';
import { createApiClient } from '../prisma/clients';
import { maskUrl } from '../prisma/databaseUrl';
import {
  CellsAdminError,
  checkDatabaseUrl,
  checkGraphqlUrl,
  checkName,
  checkTransportUrl,
  checkUuid,
  isUuid,
  NO_TRANSPORT,
} from './errors';
import type { ApiClient, ApiTx, CellAccess, CellClient, CellMapping } from './types';

// One advisory key for every change to the cells index: checks like "no other cell
// uses this database URL" have no unique index behind them, so concurrent writers
// take turns instead of both passing the check.
const CELLS_INDEX_LOCK = 72707370;

/** Runs `fn` in one API transaction holding the cells-index lock; nothing is written if it throws. */
export function cellsTransaction<T>(api: ApiClient, fn: (tx: ApiTx) => Promise<T>): Promise<T> {
  return api.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${CELLS_INDEX_LOCK})::text`);
    return fn(tx);
  });
}

/** Opens the cell database at `url`, runs `fn`, and releases the client whatever happens. */
export async function withCell<T>(access: CellAccess, url: string, fn: (cell: CellClient) => Promise<T>): Promise<T> {
  const client = await access.openCell(url);
  try {
    return await fn(client);
  } finally {
    await (access.releaseCell ?? ((c: CellClient) => c.$disconnect()))(client);
  }
}

/** Every cell mapping, cell0 first, then by name. */
export async function listCells(api: ApiClient | ApiTx): Promise<CellMapping[]> {
  const cells = await api.cellMapping.findMany({ orderBy: [{ name: 'asc' }, { id: 'asc' }] });
  return [...cells.filter(isCell0), ...cells.filter((cell) => !isCell0(cell))];
}

/** The cell mapping with this uuid or name, or null. A UUID is looked up as a uuid first. */
export async function findCell(api: ApiClient | ApiTx, uuidOrName: string): Promise<CellMapping | null> {
  if (isUuid(uuidOrName)) {
    const byUuid = await api.cellMapping.findUnique({ where: { uuid: uuidOrName.toLowerCase() } });
    if (byUuid) return byUuid;
  }
  return api.cellMapping.findFirst({ where: { name: uuidOrName }, orderBy: { id: 'asc' } });
}

/** Like findCell, but a missing cell is a NOT_FOUND error naming it. */
export async function getCell(api: ApiClient | ApiTx, uuidOrName: string, field = 'cell'): Promise<CellMapping> {
  const cell = await findCell(api, uuidOrName);
  if (!cell)
    throw new CellsAdminError(
      ErrorCode.NOT_FOUND,
      `${field}: no cell with uuid or name ${describe(uuidOrName)}`,
      field,
    );
  return cell;
}

export interface CreateCellInput {
  name: string;
  databaseConnection: string;
  transportUrl: string;
  graphqlUrl: string;
  /** A new cell may start disabled: mapped and reachable, but not picked for new instances. */
  disabled?: boolean;
  uuid?: string;
}

/**
 * Adds a cell mapping. Refuses bad URLs (BAD_INPUT) and a name, database or
 * transport another cell already has (CONFLICT), writing nothing.
 */
export async function createCell(api: ApiClient, input: CreateCellInput): Promise<CellMapping> {
  const data = {
    uuid: input.uuid === undefined ? randomUUID() : checkUuid('uuid', input.uuid),
    name: checkName('name', input.name),
    databaseConnection: checkDatabaseUrl('databaseConnection', input.databaseConnection),
    transportUrl: checkTransportUrl('transportUrl', input.transportUrl),
    graphqlUrl: checkGraphqlUrl('graphqlUrl', input.graphqlUrl),
    disabled: input.disabled ?? false,
  };
  return cellsTransaction(api, async (tx) => {
    if (await tx.cellMapping.findUnique({ where: { uuid: data.uuid } })) {
      throw new CellsAdminError(
        ErrorCode.CONFLICT,
        `uuid: a cell with uuid ${describe(data.uuid)} already exists`,
        'uuid',
      );
    }
    await assertUniqueCell(tx, data);
    return tx.cellMapping.create({ data });
  });
}

export interface UpdateCellInput {
  name?: string;
  databaseConnection?: string;
  transportUrl?: string;
  graphqlUrl?: string;
}

/**
 * Changes a cell mapping's name or URLs; the fields left out keep their values.
 * Same checks as createCell; an update naming no field is BAD_INPUT.
 */
export async function updateCell(api: ApiClient, uuidOrName: string, input: UpdateCellInput): Promise<CellMapping> {
  const data: UpdateCellInput = {};
  if (input.name !== undefined) data.name = checkName('name', input.name);
  if (input.databaseConnection !== undefined)
    data.databaseConnection = checkDatabaseUrl('databaseConnection', input.databaseConnection);
  if (input.transportUrl !== undefined) data.transportUrl = checkTransportUrl('transportUrl', input.transportUrl);
  if (input.graphqlUrl !== undefined) data.graphqlUrl = checkGraphqlUrl('graphqlUrl', input.graphqlUrl);
  if (Object.keys(data).length === 0) {
    throw new CellsAdminError(
      ErrorCode.BAD_INPUT,
      'update: expected at least one of name, databaseConnection, transportUrl, graphqlUrl, got none',
      'update',
    );
  }
  return cellsTransaction(api, async (tx) => {
    const cell = await getCell(tx, uuidOrName);
    await assertUniqueCell(tx, data, cell.id);
    return tx.cellMapping.update({ where: { id: cell.id }, data: { ...data, updatedAt: new Date() } });
  });
}

/**
 * Enables or disables a cell for scheduling; its instances stay reachable either way.
 * Cell0 is never scheduled to, so disabling it means nothing and is REFUSED.
 */
export async function setCellDisabled(api: ApiClient, uuidOrName: string, disabled: boolean): Promise<CellMapping> {
  return cellsTransaction(api, async (tx) => {
    const cell = await getCell(tx, uuidOrName);
    if (disabled && isCell0(cell)) {
      throw new CellsAdminError(ErrorCode.REFUSED, `cell: cell0 (${cell.uuid}) cannot be disabled`, 'cell');
    }
    if (cell.disabled === disabled) return cell;
    return tx.cellMapping.update({ where: { id: cell.id }, data: { disabled, updatedAt: new Date() } });
  });
}

export interface DeleteCellResult {
  cell: CellMapping;
  /** Host mappings removed (there are some only with force). */
  hostsUnmapped: number;
  /** Instance mappings whose cell was cleared (live ones only with force). */
  instancesUnmapped: number;
}

/**
 * Removes a cell mapping. Refuses (REFUSED) while hosts or live instances (not
 * queued for delete) are mapped to it, or when it is cell0, unless `force`: then
 * its host mappings go and its instance mappings lose their cell, in one transaction.
 */
export async function deleteCell(
  api: ApiClient,
  uuidOrName: string,
  options: { force?: boolean } = {},
): Promise<DeleteCellResult> {
  return cellsTransaction(api, async (tx) => {
    const cell = await getCell(tx, uuidOrName);
    const label = `cell ${describe(cell.name ?? cell.uuid)} (${cell.uuid})`;
    if (!options.force) {
      if (isCell0(cell))
        throw new CellsAdminError(ErrorCode.REFUSED, `cell: ${label} is cell0; use force to delete it`, 'cell');
      const hosts = await tx.hostMapping.count({ where: { cellId: cell.id } });
      if (hosts > 0) {
        throw new CellsAdminError(
          ErrorCode.REFUSED,
          `cell: ${label} still has ${hosts} host(s) mapped; use force to unmap them`,
          'cell',
        );
      }
      const live = await tx.instanceMapping.count({ where: { cellId: cell.id, queuedForDelete: false } });
      if (live > 0) {
        throw new CellsAdminError(
          ErrorCode.REFUSED,
          `cell: ${label} still has ${live} instance(s) mapped; use force to unmap them`,
          'cell',
        );
      }
    }
    const hosts = await tx.hostMapping.deleteMany({ where: { cellId: cell.id } });
    const instances = await tx.instanceMapping.updateMany({
      where: { cellId: cell.id },
      data: { cellId: null, updatedAt: new Date() },
    });
    await tx.cellMapping.delete({ where: { id: cell.id } });
    return { cell, hostsUnmapped: hosts.count, instancesUnmapped: instances.count };
  });
}

export interface CellIdentity {
  name?: string;
  databaseConnection?: string;
  transportUrl?: string;
}

/**
 * Refuses (CONFLICT) a name, database or transport that another cell already has.
 * Cells without a queue all share `none:///`. Run inside cellsTransaction so two
 * writers cannot both pass.
 */
export async function assertUniqueCell(tx: ApiTx, wanted: CellIdentity, exceptId?: number): Promise<void> {
  const others = (await tx.cellMapping.findMany()).filter((cell) => cell.id !== exceptId);
  for (const other of others) {
    const label = `cell ${describe(other.name ?? other.uuid)} (${other.uuid})`;
    if (wanted.name !== undefined && other.name === wanted.name) {
      throw new CellsAdminError(
        ErrorCode.CONFLICT,
        `name: ${describe(wanted.name)} is already the name of ${label}`,
        'name',
      );
    }
    if (wanted.databaseConnection !== undefined && sameEndpoint(other.databaseConnection, wanted.databaseConnection)) {
      throw new CellsAdminError(
        ErrorCode.CONFLICT,
        `databaseConnection: ${describe(maskUrl(wanted.databaseConnection))} is the database of ${label}`,
        'databaseConnection',
      );
    }
    if (
      wanted.transportUrl !== undefined &&
      wanted.transportUrl !== NO_TRANSPORT &&
      sameEndpoint(other.transportUrl, wanted.transportUrl)
    ) {
      throw new CellsAdminError(
        ErrorCode.CONFLICT,
        `transportUrl: ${describe(maskUrl(wanted.transportUrl))} is the transport of ${label}`,
        'transportUrl',
      );
    }
  }
}

const DEFAULT_PORTS: Record<string, string> = {
  'postgresql:': '5432',
  'postgres:': '5432',
  'amqp:': '5672',
  'amqps:': '5671',
};

/**
 * What identifies the database or broker vhost a URL reaches, with credentials,
 * query and default ports left out: two cells whose URLs differ only in password
 * or `?sslmode=` would still share one database, which is what we refuse.
 */
export function endpointKey(url: string): string {
  if (url === NO_TRANSPORT) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // A row written by hand may hold anything; it can only equal itself.
    return url;
  }
  const family = parsed.protocol === 'postgres:' ? 'postgresql:' : parsed.protocol;
  const port = parsed.port || DEFAULT_PORTS[parsed.protocol] || '';
  // An amqp URL without a path means the default vhost "/".
  const path =
    family.startsWith('amqp') && (parsed.pathname === '' || parsed.pathname === '/') ? '/%2F' : parsed.pathname;
  return `${family}//${parsed.hostname.toLowerCase()}:${port}${decodeURIComponent(path)}`;
}

/** Whether two URLs reach the same database or vhost. */
export function sameEndpoint(a: string, b: string): boolean {
  return endpointKey(a) === endpointKey(b);
}

/** What a cell subgraph or compute agent needs from a cell mapping. */
export interface CellTarget {
  cellUuid: string;
  cellName: string;
  databaseUrl: string;
  transportUrl: string;
  /** The port of the mapping's graphql_url; null when it has none. */
  port: number | null;
}

/** Reads the cell mapping `uuidOrName` from the API database (one short-lived connection). */
export async function cellFromMapping(apiDatabaseUrl: string, uuidOrName: string): Promise<CellTarget> {
  const api = createApiClient(apiDatabaseUrl, { max: 1 });
  try {
    const cell = await getCell(api, uuidOrName, '--cell');
    if (!cell.databaseConnection) throw new Error(`cell ${uuidOrName} has no database_connection`);
    return {
      cellUuid: cell.uuid,
      cellName: cell.name ?? cell.uuid,
      databaseUrl: cell.databaseConnection,
      transportUrl: cell.transportUrl ?? 'none:///',
      port: portOf(cell.graphqlUrl ?? null),
    };
  } finally {
    await api.$disconnect();
  }
}

function portOf(graphqlUrl: string | null): number | null {
  if (!graphqlUrl) return null;
  const parsed = new URL(graphqlUrl);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}
