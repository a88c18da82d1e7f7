import type { Instance } from '../../prisma/cell/generated/client';

export { camelRow } from '../shared/camelRow';

export type InstanceRow = Instance;
