import { NO_TRANSPORT } from '../cellsAdmin';
import { DEMO_HOSTS } from './seed/catalog';
import type { DeploymentConfig } from './config';
import { CELL_NAMES, cellDatabaseName, cellDatabaseUrl, cellGraphqlUrl, cellTransportUrl } from './layout';

/** One cell as the deployment wants it: where its database, queue and subgraph are, and its hosts. */
export interface CellPlan {
  name: string;
  databaseUrl: string;
  /** `none:///` for cell0; otherwise the amqp URL of the cell's vhost. */
  transportUrl: string;
  graphqlUrl: string;
  hosts: string[];
}

/** The default deployment: cell0 (no queue, no hosts), cell1 and cell2 with two demo hosts each. */
export function defaultTopology(
  config: Pick<DeploymentConfig, 'pgUrl' | 'amqpUrl' | 'host' | 'cellPortBase'>,
): CellPlan[] {
  return CELL_NAMES.map((name, index) => ({
    name,
    databaseUrl: cellDatabaseUrl(config.pgUrl, name),
    transportUrl: name === 'cell0' ? NO_TRANSPORT : cellTransportUrl(config.amqpUrl, cellDatabaseName(name)),
    graphqlUrl: cellGraphqlUrl(config.host, config.cellPortBase, index),
    hosts: DEMO_HOSTS[name] ?? [],
  }));
}
