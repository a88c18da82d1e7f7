import { Command, CommanderError } from 'commander';
import { CellsAdminError, type ApiClient } from '../cellsAdmin';
import { createApiClient, createCellClient } from '../prisma/clients';
import { maskUrl } from '../prisma/databaseUrl';
import { databaseReachable } from '../prisma/databases';
import { ConfigError } from '../infrastructure/configSchema';
import { addCellCommands } from './commands/cellCommands';
import { addHostCommands } from './commands/hostCommands';
import { addInstanceCommands } from './commands/instanceCommands';
import { addQuotaCommands } from './commands/quotaCommands';
import { addSetupCommands } from './commands/setupCommands';
import { readCliConfig, type CliConfig } from './config';
import type { CliContext, CliIo } from './context';
import { EXIT, exitCodeFor } from './exitCodes';

export interface RunCellsOptions extends CliIo {
  env: Record<string, string | undefined>;
}

/**
 * Runs one `cells` command (argv without node and script) and resolves to its exit
 * code; never calls process.exit, so tests run commands in-process.
 */
export async function runCells(argv: string[], io: RunCellsOptions): Promise<number> {
  let config: CliConfig;
  try {
    config = readCliConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`cells: ${err.message}\n`);
    return EXIT.CONFIG;
  }
  let api: ApiClient | undefined;
  const ctx: CliContext = {
    config,
    api: () => (api ??= createApiClient(config.apiDatabaseUrl, { max: 2 })),
    cellAccess: { openCell: (url) => createCellClient(url, { max: 2 }) },
    print: (line = '') => io.stdout.write(`${line}\n`),
    exitCode: EXIT.OK,
  };
  const program = buildProgram(ctx, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return report(err, io, config);
  } finally {
    await api?.$disconnect();
  }
}

function buildProgram(ctx: CliContext, io: CliIo): Command {
  const program = new Command('cells')
    .description('manage the cells index: cells, hosts and instance mappings (like nova-manage cell_v2)')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  addSetupCommands(program, ctx);
  addCellCommands(program, ctx);
  addHostCommands(program, ctx);
  addInstanceCommands(program, ctx);
  addQuotaCommands(program, ctx);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

// Library fields are named as in the API; an operator typed options.
const OPTION_OF_FIELD: Record<string, string> = {
  name: '--name',
  databaseConnection: '--database',
  transportUrl: '--transport',
  graphqlUrl: '--graphql-url',
  uuid: '--uuid',
  cell: '--cell',
  batchSize: '--batch-size',
  projectId: '--project',
  userId: '--user',
};

async function report(err: unknown, io: CliIo, config: CliConfig): Promise<number> {
  if (err instanceof CommanderError) {
    // Commander has already printed the problem (and help for --help, exit 0).
    return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (err instanceof CellsAdminError) {
    const option = err.field ? OPTION_OF_FIELD[err.field] : undefined;
    const message =
      option && err.message.startsWith(`${err.field}:`)
        ? `${option}${err.message.slice(err.field!.length)}`
        : err.message;
    io.stderr.write(`cells: ${message}\n`);
    return exitCodeFor(err.code);
  }
  if (!(await databaseReachable(config.apiDatabaseUrl))) {
    io.stderr.write(
      `cells: the API database at ${maskUrl(config.apiDatabaseUrl)} cannot be reached or does not exist (set CELLS_API_DATABASE_URL; npm start creates it)\n`,
    );
    return EXIT.UNAVAILABLE;
  }
  if ((err as { code?: string }).code === 'P2021') {
    io.stderr.write(
      `cells: the API database at ${maskUrl(config.apiDatabaseUrl)} has no cells tables; run \`npm run migrate -- api <url>\` or \`npm start\`\n`,
    );
    return EXIT.UNAVAILABLE;
  }
  io.stderr.write(`cells: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.SOFTWARE;
}
