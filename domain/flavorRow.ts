import type { InstanceType, InstanceTypeExtraSpec, InstanceTypeProject } from '../prisma/api/generated/client';
import type { Identity } from './identity';

/** What every flavor read includes: live extra specs and live access rows. */
export const flavorInclude = {
  extraSpecs: { where: { deleted: 0 }, orderBy: { key: 'asc' as const } },
  projects: { where: { deleted: 0 }, orderBy: { projectId: 'asc' as const } },
};

export type FlavorRow = InstanceType & { extraSpecs: InstanceTypeExtraSpec[]; projects: InstanceTypeProject[] };

/** Public flavors for everyone, private ones for admins and projects with access. */
export function canSeeFlavor(identity: Identity, flavor: FlavorRow): boolean {
  return identity.isAdmin || flavor.isPublic || flavor.projects.some((p) => p.projectId === identity.projectId);
}
