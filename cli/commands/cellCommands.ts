import type { Command } from 'commander';
import { createCell, deleteCell, listCells, setCellDisabled, updateCell } from '../../cellsAdmin';
import { maskUrl } from '../../prisma/databaseUrl';
import type { CliContext } from '../context';
import { table } from '../table';

/** create-cell, update-cell, enable-cell, disable-cell, delete-cell, list-cells. */
export function addCellCommands(program: Command, ctx: CliContext): void {
  program
    .command('create-cell')
    .description('map a new cell (refuses a database or transport another cell uses)')
    .requiredOption('--name <name>', 'cell name')
    .requiredOption('--database <url>', 'postgresql:// URL of the cell database')
    .requiredOption('--transport <url>', 'amqp:// URL of the cell vhost, or none:///')
    .requiredOption('--graphql-url <url>', 'http:// URL of the cell subgraph')
    .option('--uuid <uuid>', 'uuid to give the cell (default: a new one)')
    .option('--disabled', 'create it disabled: not picked for new instances')
    .action(async (opts) => {
      const cell = await createCell(ctx.api(), {
        name: opts.name,
        databaseConnection: opts.database,
        transportUrl: opts.transport,
        graphqlUrl: opts.graphqlUrl,
        uuid: opts.uuid,
        disabled: Boolean(opts.disabled),
      });
      ctx.print(`Created cell ${cell.name} with uuid ${cell.uuid}${cell.disabled ? ' (disabled)' : ''}`);
    });

  program
    .command('update-cell')
    .description("change a cell's name or URLs")
    .requiredOption('--cell <uuid|name>', 'the cell')
    .option('--name <name>', 'new name')
    .option('--database <url>', 'new database URL')
    .option('--transport <url>', 'new transport URL')
    .option('--graphql-url <url>', 'new subgraph URL')
    .action(async (opts) => {
      const cell = await updateCell(ctx.api(), opts.cell, {
        name: opts.name,
        databaseConnection: opts.database,
        transportUrl: opts.transport,
        graphqlUrl: opts.graphqlUrl,
      });
      ctx.print(`Updated cell ${cell.name} (${cell.uuid})`);
    });

  for (const [name, disabled] of [
    ['enable-cell', false],
    ['disable-cell', true],
  ] as const) {
    program
      .command(name)
      .description(disabled ? 'stop scheduling new instances to a cell' : 'schedule new instances to a cell again')
      .requiredOption('--cell <uuid|name>', 'the cell')
      .action(async (opts) => {
        const cell = await setCellDisabled(ctx.api(), opts.cell, disabled);
        ctx.print(`Cell ${cell.name} (${cell.uuid}) is ${cell.disabled ? 'disabled' : 'enabled'}`);
      });
  }

  program
    .command('delete-cell')
    .description('unmap a cell (refuses while hosts or live instances are mapped, unless --force)')
    .requiredOption('--cell <uuid|name>', 'the cell')
    .option('--force', 'also unmap its hosts and instances')
    .action(async (opts) => {
      const result = await deleteCell(ctx.api(), opts.cell, { force: Boolean(opts.force) });
      ctx.print(
        `Deleted cell ${result.cell.name} (${result.cell.uuid}); unmapped ${result.hostsUnmapped} host(s) and ${result.instancesUnmapped} instance(s)`,
      );
    });

  program
    .command('list-cells')
    .description('list cell mappings (passwords masked unless --verbose)')
    .option('--verbose', 'show passwords in URLs')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const show = (url: string) => (opts.verbose ? url : maskUrl(url));
      const cells = (await listCells(ctx.api())).map((cell) => ({
        name: cell.name,
        uuid: cell.uuid,
        transportUrl: show(cell.transportUrl),
        databaseConnection: show(cell.databaseConnection),
        graphqlUrl: cell.graphqlUrl,
        disabled: cell.disabled,
      }));
      if (opts.json) return ctx.print(JSON.stringify(cells, null, 2));
      ctx.print(
        table(
          ['Name', 'UUID', 'Transport URL', 'Database Connection', 'GraphQL URL', 'Disabled'],
          cells.map((c) => [c.name, c.uuid, c.transportUrl, c.databaseConnection, c.graphqlUrl, c.disabled]),
        ),
      );
    });
}
