import { fits, type FreeCapacity } from '../../../domain/hostCapacity';

/** One compute host as the scheduler sees it: where it lives and what is still free. */
export interface HostState {
  host: string;
  cellId: number;
  cellUuid: string;
  cellName: string | null;
  graphqlUrl: string;
  /** The compute node's generation when it was read: the build's claim is refused if it moved. */
  generation: number;
  freeVcpus: number;
  freeRamMb: number;
  freeDiskGb: number;
}

export interface FlavorNeed {
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
}

/**
 * The filters (enough free vcpus, RAM and disk) then the weigher: most free RAM wins,
 * as Nova's default RAMWeigher spreads; ties go to the host name, so the choice is
 * deterministic. Null when no host fits (Nova's NoValidHost).
 */
export function pickHost(hosts: HostState[], need: FlavorNeed): HostState | null {
  let best: HostState | null = null;
  for (const h of hosts) {
    if (!fits(freeOf(h), need)) continue;
    if (!best || h.freeRamMb > best.freeRamMb || (h.freeRamMb === best.freeRamMb && h.host < best.host)) best = h;
  }
  return best;
}

/**
 * Takes a placed server's resources off its host, so the next server of a request sees
 * them used, and counts the generation its claim moved the node to.
 */
export function claim(host: HostState, need: FlavorNeed): void {
  host.freeVcpus -= need.vcpus;
  host.freeRamMb -= need.memoryMb;
  host.freeDiskGb -= need.rootGb + need.ephemeralGb;
  host.generation += 1;
}

function freeOf(h: HostState): FreeCapacity {
  return { vcpus: h.freeVcpus, memoryMb: h.freeRamMb, diskGb: h.freeDiskGb };
}
