import { runCells } from './runCells';

// `npm run cells -- <command>`: see `npm run cells -- --help`.
runCells(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cells: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
