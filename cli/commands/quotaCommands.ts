import type { Command } from 'commander';
import { quotaRecount, type QuotaRecountResult, type RecountRow } from '../../cellsAdmin';
import type { CliContext } from '../context';
import { table } from '../table';

/** quota-recount. */
export function addQuotaCommands(program: Command, ctx: CliContext): void {
  program
    .command('quota-recount')
    .description(
      "recount a project's instances/cores/ram usage from every cell and correct drift (refused, writing nothing, unless every cell answers)",
    )
    .requiredOption('--project <id>', 'the project')
    .option('--user <id>', "only this user's usage")
    .option('--dry-run', 'report drift, change nothing')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const result = await quotaRecount(ctx.api(), ctx.cellAccess, {
        projectId: opts.project,
        userId: opts.user,
        dryRun: opts.dryRun === true,
      });
      if (opts.json) return ctx.print(JSON.stringify(result, null, 2));
      if (result.rows.length > 0) {
        const headers = [
          'User',
          'Resource',
          'Recorded in use',
          'Counted in use',
          'Recorded reserved',
          'Counted reserved',
          'Drift',
        ];
        ctx.print(
          table(
            headers,
            result.rows.map((r) => [
              r.userId,
              r.resource,
              r.before?.inUse,
              r.after.inUse,
              r.before?.reserved,
              r.after.reserved,
              drift(r),
            ]),
          ),
        );
      }
      for (const line of summary(result)) ctx.print(line);
    });
}

// Counted minus recorded per column; a missing row reads as zero.
function drift(row: RecountRow): string {
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
  const inUse = row.after.inUse - (row.before?.inUse ?? 0);
  const reserved = row.after.reserved - (row.before?.reserved ?? 0);
  const parts = [...(inUse !== 0 ? [signed(inUse)] : []), ...(reserved !== 0 ? [`${signed(reserved)} reserved`] : [])];
  return parts.length > 0 ? parts.join(', ') : '-';
}

function summary(result: QuotaRecountResult): string[] {
  const who =
    result.userId === null ? `project ${result.projectId}` : `user ${result.userId} of project ${result.projectId}`;
  const counted = `${result.cells.length} cell(s) counted`;
  const drifted = result.rows.filter((row) => row.drift).length;
  const lines = [
    drifted === 0
      ? `No drift for ${who}: ${counted}`
      : `Drift in ${drifted} of ${result.rows.length} row(s) for ${who}: ${counted}, ${result.dryRun ? 'dry run, nothing changed' : 'usage set to the recount'}`,
  ];
  const taken = result.releasesTakenOver.length;
  if (taken > 0) {
    lines.push(
      `${taken} deleted server(s) had not been released: not counted${result.dryRun ? '' : ', and their mappings queued for delete'}`,
    );
  }
  return lines;
}
