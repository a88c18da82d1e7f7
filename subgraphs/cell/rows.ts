import type { Instance } from '../../prisma/cell/generated/client';

export { camelRow, camelRows } from '../../infrastructure/camelRow';

export type InstanceRow = Instance;
