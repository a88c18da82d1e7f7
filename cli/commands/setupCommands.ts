import type { Command } from 'commander';
import { mapCell0, simpleCellSetup } from '../../cellsAdmin';
import { cellDatabaseUrl, cellGraphqlUrl, cellTransportUrl } from '../../deployment/layout';
import type { CliContext } from '../context';

/** map-cell0 and simple-cell-setup; defaults follow the default deployment's layout. */
export function addSetupCommands(program: Command, ctx: CliContext): void {
  const { pgUrl, amqpUrl, host, cellPortBase } = ctx.config;

  program
    .command('map-cell0')
    .description('map cell0, where instances that fail scheduling are kept')
    .option('--database <url>', 'cell0 database URL', cellDatabaseUrl(pgUrl, 'cell0'))
    .option('--graphql-url <url>', 'cell0 subgraph URL', cellGraphqlUrl(host, cellPortBase, 0))
    .action(async (opts) => {
      const { cell, created } = await mapCell0(ctx.api(), {
        databaseConnection: opts.database,
        graphqlUrl: opts.graphqlUrl,
      });
      ctx.print(created ? `Cell0 mapped with uuid ${cell.uuid}` : `Cell0 is already mapped (${cell.uuid})`);
    });

  program
    .command('simple-cell-setup')
    .description('map cell0 and a first cell with its hosts and instances, if no cell exists yet')
    .option('--name <name>', 'name of the first cell', 'cell1')
    .option('--database <url>', 'first cell database URL', cellDatabaseUrl(pgUrl, 'cell1'))
    .option('--transport <url>', 'first cell transport URL', cellTransportUrl(amqpUrl, 'cells_cell1'))
    .option('--graphql-url <url>', 'first cell subgraph URL', cellGraphqlUrl(host, cellPortBase, 1))
    .option('--cell0-database <url>', 'cell0 database URL', cellDatabaseUrl(pgUrl, 'cell0'))
    .option('--cell0-graphql-url <url>', 'cell0 subgraph URL', cellGraphqlUrl(host, cellPortBase, 0))
    .action(async (opts) => {
      const result = await simpleCellSetup(ctx.api(), {
        ...ctx.cellAccess,
        cell0: { databaseConnection: opts.cell0Database, graphqlUrl: opts.cell0GraphqlUrl },
        cell: {
          name: opts.name,
          databaseConnection: opts.database,
          transportUrl: opts.transport,
          graphqlUrl: opts.graphqlUrl,
        },
      });
      if (!result.cell) return ctx.print('Cell setup already done: a cell other than cell0 exists');
      ctx.print(`Created cell ${result.cell.name} with uuid ${result.cell.uuid}`);
      ctx.print(`Mapped ${result.hosts.length} host(s) and ${result.instances?.created ?? 0} instance(s)`);
    });
}
