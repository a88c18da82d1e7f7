import { randomUUID } from 'node:crypto';
import { badInput } from './errors';
import type { CellClient, CellTx } from './types';

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
    throw badInput('host', input.host, 'a host name of letters, digits, ".", "_" or "-"');
  }
  const hypervisorHostname = input.hypervisorHostname ?? input.host;
  if (typeof hypervisorHostname !== 'string' || hypervisorHostname.length === 0 || hypervisorHostname.length > 255) {
    throw badInput('hypervisorHostname', input.hypervisorHostname, 'a name of 1 to 255 characters');
  }
  for (const field of ['vcpus', 'memoryMb', 'localGb'] as const) {
    if (!Number.isInteger(input[field]) || input[field] < 0 || input[field] > 2 ** 31 - 1) {
      throw badInput(field, input[field], 'a non-negative integer');
    }
  }
  return { host: input.host, hypervisorHostname, vcpus: input.vcpus, memoryMb: input.memoryMb, localGb: input.localGb };
}
