import { badInput } from '../../../domain/errors';

/** Nova's built-in defaults (nova/conf/quota.py), used when neither project nor class sets a limit. */
export const DEFAULT_LIMITS: Readonly<Record<string, number>> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_length: 255,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  security_groups: 10,
  security_group_rules: 20,
  floating_ips: 10,
  fixed_ips: -1,
};

export const RESOURCES = Object.keys(DEFAULT_LIMITS);

/** The class every project falls back to. */
export const DEFAULT_CLASS = 'default';

export const UNLIMITED = -1;

export interface LimitInput {
  resource: string;
  limit: number;
}

/** Known resources, each once, limits of -1 (unlimited) or more; errors name limits[i]. */
export function validLimits(limits: LimitInput[]): LimitInput[] {
  if (limits.length === 0) throw badInput('limits', limits, 'at least one resource limit');
  const seen = new Set<string>();
  limits.forEach((entry, i) => {
    if (!(entry.resource in DEFAULT_LIMITS))
      throw badInput(`limits[${i}].resource`, entry.resource, `one of ${RESOURCES.join(', ')}`);
    if (seen.has(entry.resource)) throw badInput(`limits[${i}].resource`, entry.resource, 'each resource once');
    seen.add(entry.resource);
    if (!Number.isInteger(entry.limit) || entry.limit < UNLIMITED)
      throw badInput(`limits[${i}].limit`, entry.limit, '-1 (unlimited) or a non-negative integer');
  });
  return limits;
}
