import { InvalidArgumentError, type Command } from 'commander';
import { mapInstances, verificationExitCode, verifyInstance } from '../../cellsAdmin';
import type { CliContext } from '../context';

/** map-instances and verify-instance. */
export function addInstanceCommands(program: Command, ctx: CliContext): void {
  program
    .command('map-instances')
    .description('create the instance mappings a cell database has instances for')
    .requiredOption('--cell <uuid|name>', 'the cell')
    .option('--batch-size <n>', 'instances per transaction', integer, 500)
    .action(async (opts) => {
      const result = await mapInstances(ctx.api(), { ...ctx.cellAccess, cell: opts.cell, batchSize: opts.batchSize });
      ctx.print(
        `Mapped ${result.created} instance(s), adopted ${result.adopted} unscheduled mapping(s), ` +
          `left ${result.elsewhere} mapped to other cells, in ${result.batches} batch(es)`,
      );
    });

  program
    .command('verify-instance')
    .description('exit 0 mapped, 1 no mapping, 2 not scheduled yet, 3 deleted')
    .requiredOption('--uuid <uuid>', 'the instance')
    .option('--quiet', 'print nothing, just exit')
    .action(async (opts) => {
      const verification = await verifyInstance(ctx.api(), opts.uuid, ctx.cellAccess);
      if (!opts.quiet) ctx.print(describe(opts.uuid, verification));
      ctx.exitCode = verificationExitCode(verification);
    });
}

function describe(uuid: string, verification: Awaited<ReturnType<typeof verifyInstance>>): string {
  switch (verification.status) {
    case 'mapped':
      return `Instance ${uuid} is in cell ${verification.cell.name} (${verification.cell.uuid})`;
    case 'no-mapping':
      return `Instance ${uuid} is not mapped to a cell`;
    case 'not-scheduled':
      return `Instance ${uuid} has a mapping but no cell yet: not scheduled`;
    case 'deleted':
      return `Instance ${uuid} is deleted${verification.cell ? ` (cell ${verification.cell.name})` : ''}`;
    default: {
      const never: never = verification;
      return String(never);
    }
  }
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}
