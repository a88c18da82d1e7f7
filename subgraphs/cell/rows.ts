import type { Instance } from '../../prisma/cell/generated/client';

export { camelRow } from '../../infrastructure/camelRow';

export type InstanceRow = Instance;
