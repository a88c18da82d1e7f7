/**
 * `npm run bench:chart -- <bench.json> [<out.svg>]`: the SVG chart of a bench JSON
 * (bench/chart.ts), next to the JSON with .svg unless told where.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderChart } from './chart';

async function main(): Promise<void> {
  const [input, output = input?.replace(/\.json$/, '') + '.svg'] = process.argv.slice(2);
  if (!input) throw new Error('usage: npm run bench:chart -- <bench.json> [<out.svg>]');
  writeFileSync(output, await renderChart(JSON.parse(readFileSync(input, 'utf8'))));
  process.stderr.write(`[bench:chart] wrote ${output}\n`);
}

main().catch((err) => {
  process.stderr.write(`[bench:chart] ${(err as Error).message}\n`);
  process.exit(1);
});
