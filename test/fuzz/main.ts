/**
 * `npm run fuzz -- [--runs N] [--seed S] [--shrink-ms MS]`: the schema-driven fuzzer
 * against a throw-away topology (test/fuzz/world.ts; needs PostgreSQL and RabbitMQ like
 * `npm test`). Without --seed a random seed is used and printed, so any run can be
 * repeated. Exit 0 when no case broke a promise, 1 otherwise, 2 on a bad option.
 */
import { caseArbitrary } from './generator';
import { describeReport, fuzz } from './runner';
import { startFuzzWorld } from './world';

interface Flags {
  runs: number;
  seed: number;
  shrinkMs: number;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { runs: 2000, seed: Math.floor(Math.random() * 2 ** 31), shrinkMs: 60000 };
  const names: Record<string, keyof Flags> = { '--runs': 'runs', '--seed': 'seed', '--shrink-ms': 'shrinkMs' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = names[argv[i]];
    const value = Number(argv[i + 1]);
    if (!name) throw new Error(`unknown option ${JSON.stringify(argv[i])} (expected --runs, --seed or --shrink-ms)`);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${argv[i]}: expected a non-negative integer, got ${JSON.stringify(argv[i + 1] ?? null)}`);
    flags[name] = value;
  }
  return flags;
}

async function main(): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  console.log(`fuzz: seed ${flags.seed}, ${flags.runs} runs (repeat with --seed ${flags.seed})`);
  const world = await startFuzzWorld();
  const stop = () => void world.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    const report = await fuzz(world.target, caseArbitrary(world.schema, world.dictionary), {
      seed: flags.seed,
      runs: flags.runs,
      shrinkMs: flags.shrinkMs,
      onProgress: (line) => console.log(line),
    });
    console.log(`\n${describeReport(report)}`);
    return report.failures.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    await world.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
