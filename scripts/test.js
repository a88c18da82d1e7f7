#!/usr/bin/env node
// Runs every jest suite in two phases (npm test). First every suite that leaves the shared
// services up, two at a time: the suites spend much of their time waiting on PostgreSQL,
// RabbitMQ, child processes and deadlines, and each works in databases and vhosts of its own
// (test/helpers/services.ts), so two share the machine's two cores safely. Then, alone, the
// suites that take a service shared by every suite down (the broker's stop_app and memory
// alarm), which would fail whatever ran beside them. One closing line counts both phases.
// With arguments (`npm test -- <pattern>`) it is plain `jest --runInBand <arguments>`.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** Suites that stop or block a service every other suite uses; they run after the rest, alone. */
const ALONE = ['test/integration/faults/broker.test.ts'];
const WORKERS = 2;

async function main() {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    const jestBin = require.resolve('jest/bin/jest', { paths: [root] });
    const run = spawnSync(process.execPath, [jestBin, '--runInBand', ...args], { cwd: root, stdio: 'inherit' });
    process.exit(run.status ?? 1);
  }
  const { runCLI } = require('jest');
  const reporters = ['default'];
  const shared = await runCLI({ _: [], $0: 'jest', maxWorkers: WORKERS, testPathIgnorePatterns: ALONE, reporters }, [
    root,
  ]);
  const alone = await runCLI({ _: [], $0: 'jest', runInBand: true, testPathPatterns: ALONE, reporters }, [root]);
  const results = [shared.results, alone.results];
  const sum = (pick) => results.reduce((n, r) => n + pick(r), 0);
  const failedSuites = sum((r) => r.numFailedTestSuites + r.numRuntimeErrorTestSuites);
  const ran = alone.results.numTotalTestSuites;
  if (ran !== ALONE.length) process.stdout.write(`jest: expected ${ALONE.length} suite(s) run alone, found ${ran}\n`);
  process.stdout.write(
    `jest: ${sum((r) => r.numPassedTests)} passed, ${sum((r) => r.numFailedTests)} failed, ` +
      `${sum((r) => r.numPendingTests + r.numTodoTests)} skipped\n`,
  );
  const ok = results.every((r) => r.success) && failedSuites === 0 && ran === ALONE.length;
  // jest.config.js forceExit: servers a failed suite could not stop must not keep the run waiting.
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
