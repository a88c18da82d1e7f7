import { randomUUID } from 'node:crypto';
import { isCell0 } from '../domain/cell0';
import { describe, ErrorCode } from '../domain/errors';
import { cellsTransaction, getCell, listCells, withCell } from './cells';
import { invalidInput, CellsAdminError } from './errors';
import type { ApiClient, CellAccess, CellClient, CellMapping, CellTx, HostMapping } from './types';

export type HostWithCell = HostMapping & { cell: CellMapping };

/** Host mappings with their cell, by cell name then host; only one cell's with `cell`. */
export async function listHosts(api: ApiClient, options: { cell?: string } = {}): Promise<HostWithCell[]> {
  const cellId = options.cell === undefined ? undefined : (await getCell(api, options.cell)).id;
  const hosts = await api.hostMapping.findMany({
    where: cellId === undefined ? {} : { cellId },
    include: { cell: true },
  });
  return hosts.sort((a, b) => compare(a.cell.name ?? '', b.cell.name ?? '') || compare(a.host, b.host));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface DiscoveredHost {
  host: string;
  cellUuid: string;
  cellName: string | null;
}

export interface DiscoverHostsOptions extends CellAccess {
  /** Only this cell (uuid or name); default every cell but cell0, which has no hosts. */
  cell?: string;
}

/**
 * Maps the compute nodes a cell database has not yet reported (`mapped = 0`) into
 * host_mappings, then marks them mapped. Returns only the hosts newly mapped, so a
 * second run returns nothing. Per cell: the host mappings are written in one API
 * transaction first, then the nodes are marked; a crash between the two is healed
 * by the next run, which finds the mapping and only marks the node.
 */
export async function discoverHosts(api: ApiClient, options: DiscoverHostsOptions): Promise<DiscoveredHost[]> {
  const cells =
    options.cell === undefined
      ? (await listCells(api)).filter((cell) => !isCell0(cell))
      : [await getCell(api, options.cell)];
  const found: DiscoveredHost[] = [];
  for (const cell of cells) {
    found.push(...(await withCell(options, cell.databaseConnection, (client) => discoverInCell(api, cell, client))));
  }
  return found;
}

async function discoverInCell(api: ApiClient, cell: CellMapping, client: CellClient): Promise<DiscoveredHost[]> {
  const nodes = await client.computeNode.findMany({
    where: { mapped: 0, deleted: 0, host: { not: null } },
    select: { id: true, host: true },
  });
  const hosts = [...new Set(nodes.map((node) => node.host as string))].sort();
  if (hosts.length === 0) return [];
  const created = await cellsTransaction(api, async (tx) => {
    const existing = await tx.hostMapping.findMany({ where: { host: { in: hosts } }, include: { cell: true } });
    const elsewhere = existing.find((mapping) => mapping.cellId !== cell.id);
    if (elsewhere) {
      throw new CellsAdminError(
        ErrorCode.CONFLICT,
        `host ${describe(elsewhere.host)} of cell ${describe(cell.name ?? cell.uuid)} is already mapped to cell ${describe(elsewhere.cell.name ?? elsewhere.cell.uuid)}`,
        'host',
      );
    }
    const known = new Set(existing.map((mapping) => mapping.host));
    const fresh = hosts.filter((host) => !known.has(host));
    await tx.hostMapping.createMany({ data: fresh.map((host) => ({ host, cellId: cell.id })) });
    return fresh;
  });
  await client.computeNode.updateMany({ where: { id: { in: nodes.map((node) => node.id) } }, data: { mapped: 1 } });
  return created.map((host) => ({ host, cellUuid: cell.uuid, cellName: cell.name }));
}

export interface ComputeNodeInput {
  host: string;
  /** The hypervisor's node name; Nova's default is the host name. */
  hypervisorHostname?: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export interface RegisteredComputeNode {
  serviceId: number;
  computeNodeId: number;
  /** Whether this call created the compute node row (false: it existed). */
  created: boolean;
  /** Whether the compute node still waits for discover-hosts. */
  mapped: boolean;
}

const BINARY = 'nova-compute';
const TOPIC = 'compute';

export interface RegisterOptions {
  /**
   * Bring an existing node's capacity to the input's (only when it differs). Off by
   * default: whoever registered the node first (the deployment's bootstrap, sized
   * for its demo fleet) keeps its capacity when an agent restarts with defaults.
   */
  updateCapacity?: boolean;
}

/**
 * Makes sure the cell database knows `host` as a compute service with one compute
 * node, as nova-compute does when it starts. Idempotent: an existing row keeps its
 * ids (and its capacity, unless `updateCapacity`).
 */
export async function registerComputeNode(
  cell: CellClient,
  input: ComputeNodeInput,
  options: RegisterOptions = {},
): Promise<RegisteredComputeNode> {
  const node = checkInput(input);
  const update = options.updateCapacity ?? false;
  try {
    return await cell.$transaction((tx) => upsert(tx, node, update));
  } catch (err) {
    // Two agents of one host starting at once: the loser retries and finds the rows.
    if ((err as { code?: string }).code !== 'P2002') throw err;
    return cell.$transaction((tx) => upsert(tx, node, update));
  }
}

async function upsert(
  tx: CellTx,
  node: Required<ComputeNodeInput>,
  updateCapacity: boolean,
): Promise<RegisteredComputeNode> {
  const service =
    (await tx.service.findFirst({ where: { host: node.host, binary: BINARY, deleted: 0 } })) ??
    (await tx.service.create({ data: { uuid: randomUUID(), host: node.host, binary: BINARY, topic: TOPIC } }));
  const existing = await tx.computeNode.findFirst({
    where: { host: node.host, hypervisorHostname: node.hypervisorHostname, deleted: 0 },
  });
  if (existing) {
    const capacity = { vcpus: node.vcpus, memoryMb: node.memoryMb, localGb: node.localGb };
    const resize =
      updateCapacity &&
      (existing.vcpus !== node.vcpus || existing.memoryMb !== node.memoryMb || existing.localGb !== node.localGb);
    if (resize || existing.serviceId !== service.id) {
      await tx.computeNode.update({
        where: { id: existing.id },
        data: { serviceId: service.id, ...(resize ? capacity : {}), updatedAt: new Date() },
      });
    }
    return { serviceId: service.id, computeNodeId: existing.id, created: false, mapped: existing.mapped !== 0 };
  }
  const created = await tx.computeNode.create({
    data: {
      uuid: randomUUID(),
      serviceId: service.id,
      host: node.host,
      hypervisorHostname: node.hypervisorHostname,
      vcpus: node.vcpus,
      memoryMb: node.memoryMb,
      localGb: node.localGb,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
      cpuInfo: '{}',
      freeRamMb: node.memoryMb,
      freeDiskGb: node.localGb,
      runningVms: 0,
      currentWorkload: 0,
    },
  });
  return { serviceId: service.id, computeNodeId: created.id, created: true, mapped: false };
}

function checkInput(input: ComputeNodeInput): Required<ComputeNodeInput> {
  if (typeof input.host !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(input.host)) {
    throw invalidInput('host', input.host, 'a host name of letters, digits, ".", "_" or "-"');
  }
  const hypervisorHostname = input.hypervisorHostname ?? input.host;
  if (typeof hypervisorHostname !== 'string' || hypervisorHostname.length === 0 || hypervisorHostname.length > 255) {
    throw invalidInput('hypervisorHostname', input.hypervisorHostname, 'a name of 1 to 255 characters');
  }
  for (const field of ['vcpus', 'memoryMb', 'localGb'] as const) {
    if (!Number.isInteger(input[field]) || input[field] < 0 || input[field] > 2 ** 31 - 1) {
      throw invalidInput(field, input[field], 'a non-negative integer');
    }
  }
  return { host: input.host, hypervisorHostname, vcpus: input.vcpus, memoryMb: input.memoryMb, localGb: input.localGb };
}
