import { COMPUTE_NODES, COMPUTE_SERVICES } from './hostList';
import { INSTANCES, type ListedConnection } from './instanceList';

/** Every connection the router lists across cells (limits counts each as a fan-out). */
export const LISTED_CONNECTIONS: readonly ListedConnection[] = [INSTANCES, COMPUTE_SERVICES, COMPUTE_NODES];
