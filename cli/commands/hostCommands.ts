import type { Command } from 'commander';
import { discoverHosts, listHosts } from '../../cellsAdmin';
import type { CliContext } from '../context';
import { table } from '../table';

/** discover-hosts and list-hosts. */
export function addHostCommands(program: Command, ctx: CliContext): void {
  program
    .command('discover-hosts')
    .description('map compute nodes that cells report but the index does not know yet')
    .option('--cell <uuid|name>', 'only this cell (default: every cell but cell0)')
    .action(async (opts) => {
      const hosts = await discoverHosts(ctx.api(), { ...ctx.cellAccess, cell: opts.cell });
      for (const host of hosts) ctx.print(`Mapped host ${host.host} to cell ${host.cellName} (${host.cellUuid})`);
      ctx.print(`${hosts.length} new host(s) mapped`);
    });

  program
    .command('list-hosts')
    .description('list host mappings')
    .option('--cell <uuid|name>', 'only this cell')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const hosts = (await listHosts(ctx.api(), { cell: opts.cell })).map((h) => ({
        cellName: h.cell.name,
        cellUuid: h.cell.uuid,
        host: h.host,
      }));
      if (opts.json) return ctx.print(JSON.stringify(hosts, null, 2));
      ctx.print(
        table(
          ['Cell Name', 'Cell UUID', 'Hostname'],
          hosts.map((h) => [h.cellName, h.cellUuid, h.host]),
        ),
      );
    });
}
