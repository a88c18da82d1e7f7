/**
 * A cell subgraph in a process of its own, so a test can kill it with SIGKILL at the
 * worst moment. Started as `tsx cellProcess.ts '<json CellSubgraphOptions>'`; prints
 * `READY <url>` once it listens.
 */
import { startCellSubgraph, type CellSubgraphOptions } from '../../../../subgraphs/cell/server';

const options = JSON.parse(process.argv[2] ?? '{}') as CellSubgraphOptions;
startCellSubgraph(options).then(
  (running) => process.stdout.write(`READY ${running.url}\n`),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
