import { COMPUTE_NODES, COMPUTE_SERVICES } from './hostList';
import { INSTANCES, type ListedConnection } from './instanceList';

/** Every connection the router lists across cells (limits counts each as a fan-out). */
export const LISTED_CONNECTIONS: readonly ListedConnection[] = [INSTANCES, COMPUTE_SERVICES, COMPUTE_NODES];

/** Root fields that ask every cell: the listed connections and the per-cell summaries. */
export const FANOUT_ROOT_FIELDS: readonly string[] = [...LISTED_CONNECTIONS.map((c) => c.rootField), 'cellSummaries'];
