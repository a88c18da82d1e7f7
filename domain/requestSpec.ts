import type { FlavorRow } from './flavorRow';

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
    flavor: {
      id: f.id,
      flavorid: f.flavorid,
      name: f.name,
      vcpus: f.vcpus,
      memory_mb: f.memoryMb,
      root_gb: f.rootGb,
      ephemeral_gb: f.ephemeralGb,
      swap: f.swap,
    },
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

/** The parts of a request spec a server can be rebuilt from (the build reaper's cell0 record). */
export interface SpecParts {
  flavor: {
    id: number;
    flavorid: string;
    name: string;
    vcpus: number;
    memoryMb: number;
    rootGb: number;
    ephemeralGb: number;
    swap: number;
  } | null;
  imageRef: string | null;
  securityGroups: string[];
  availabilityZone: string | null;
}

/** Reads what requestSpecJson wrote; missing or unreadable parts are null (or empty). */
export function parseRequestSpec(spec: string | null | undefined): SpecParts {
  let raw: SpecJson = {};
  try {
    const parsed: unknown = spec ? JSON.parse(spec) : {};
    raw = parsed && typeof parsed === 'object' ? (parsed as SpecJson) : {};
  } catch {
    raw = {};
  }
  const f = raw.flavor;
  const ints =
    f && ['id', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb', 'swap'].every((k) => Number.isInteger(f[k]));
  return {
    flavor: ints
      ? {
          id: f.id as number,
          flavorid: String(f.flavorid ?? f.id),
          name: String(f.name ?? f.id),
          vcpus: f.vcpus as number,
          memoryMb: f.memory_mb as number,
          rootGb: f.root_gb as number,
          ephemeralGb: f.ephemeral_gb as number,
          swap: f.swap as number,
        }
      : null,
    imageRef: typeof raw.image?.id === 'string' ? raw.image.id : null,
    securityGroups: Array.isArray(raw.security_groups)
      ? raw.security_groups.filter((g: unknown): g is string => typeof g === 'string')
      : [],
    availabilityZone: typeof raw.availability_zone === 'string' ? raw.availability_zone : null,
  };
}

// A stored spec as JSON.parse gives it back: any part may be missing or of another type.
interface SpecJson {
  flavor?: Record<string, unknown>;
  image?: { id?: unknown };
  security_groups?: unknown;
  availability_zone?: unknown;
}
