import type { FlavorRow } from '../flavorRow';

/** What a build request keeps of the server it stands for, so lists can show it as BUILD. */
export interface BuildRequestInstance {
  displayName: string;
  flavorId: number;
  imageRef: string;
  availabilityZone: string | null;
  launchIndex: number;
  reservationId: string;
}

/**
 * The request spec in Nova's snake_case shape. Its flavor is what the server's quota
 * counted, which is what a release gives back.
 */
export function requestSpecJson(input: {
  instanceUuid: string;
  projectId: string;
  userId: string;
  flavor: FlavorRow;
  imageRef: string;
  availabilityZone: string | null;
  securityGroups: string[];
  reservationId: string;
  numInstances: number;
}): string {
  const f = input.flavor;
  return JSON.stringify({
    instance_uuid: input.instanceUuid,
    project_id: input.projectId,
    user_id: input.userId,
    num_instances: input.numInstances,
    availability_zone: input.availabilityZone,
    flavor: { id: f.id, flavorid: f.flavorid, name: f.name, vcpus: f.vcpus, memory_mb: f.memoryMb, root_gb: f.rootGb, ephemeral_gb: f.ephemeralGb, swap: f.swap },
    image: { id: input.imageRef },
    security_groups: input.securityGroups,
    reservation_id: input.reservationId,
  });
}

/** The flavor sizes a request spec recorded; null when there is none or it is unreadable. */
export function specFlavor(spec: string | null | undefined): { vcpus: number; memoryMb: number } | null {
  if (!spec) return null;
  try {
    const flavor = (JSON.parse(spec) as { flavor?: { vcpus?: unknown; memory_mb?: unknown } }).flavor;
    if (!flavor || !Number.isInteger(flavor.vcpus) || !Number.isInteger(flavor.memory_mb)) return null;
    return { vcpus: flavor.vcpus as number, memoryMb: flavor.memory_mb as number };
  } catch {
    return null;
  }
}

/** A build request's `instance` column; null fields when it cannot be read. */
export function parseBuildRequestInstance(text: string | null): Partial<BuildRequestInstance> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Partial<BuildRequestInstance>;
  } catch {
    return {};
  }
}
