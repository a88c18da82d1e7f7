#!/usr/bin/env node
// Generates the two Prisma clients (API and cell). Generation itself does not use
// Prisma's schema engine, but the CLI looks for the binary and would try to
// download it; there is no download here, so point it at any existing file
// (DESIGN.md, "Prisma in this environment"). Nothing is fetched.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
};
const cli = require.resolve('prisma/build/index.js', { paths: [root] });
for (const db of ['api', 'cell']) {
  execFileSync(process.execPath, [cli, 'generate', '--schema', path.join(root, 'prisma', db, 'schema.prisma')], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
