/** One compute host as the scheduler sees it: where it lives and what is still free. */
export interface HostState {
  host: string;
  cellId: number;
  cellUuid: string;
  cellName: string | null;
  graphqlUrl: string;
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
    if (h.freeVcpus < need.vcpus || h.freeRamMb < need.memoryMb || h.freeDiskGb < need.rootGb + need.ephemeralGb) continue;
    if (!best || h.freeRamMb > best.freeRamMb || (h.freeRamMb === best.freeRamMb && h.host < best.host)) best = h;
  }
  return best;
}

/** Takes a placed server's resources off its host, so the next server of a request sees them used. */
export function claim(host: HostState, need: FlavorNeed): void {
  host.freeVcpus -= need.vcpus;
  host.freeRamMb -= need.memoryMb;
  host.freeDiskGb -= need.rootGb + need.ephemeralGb;
}
