/**
 * The layer rule (ARCHITECTURE.md): imports point down only, and nothing imports in a circle.
 *
 *   entry points    cli/  deployment/  bench/  scripts/  <process>/main.ts  gateway/{token,printSupergraph}.ts
 *   processes       gateway/  subgraphs/global/  subgraphs/cell/  compute/   (never each other)
 *   administration  cellsAdmin/   (cell, host and instance mappings over the API database)
 *   domain          domain/       (states, messages, quotas, errors, identity, order, outcomes)
 *   infrastructure  infrastructure/  prisma/
 *
 * Tests sit above everything and may import anything; nothing imports a test.
 */
const PROCESSES = '^(gateway|subgraphs|compute)/';
const ENTRY =
  '^(cli|deployment|bench|scripts)/|^(gateway|subgraphs/[^/]+|compute)/main\\.ts$|^gateway/(token|printSupergraph)\\.ts$';
const ABOVE_ADMIN = `${PROCESSES}|${ENTRY}|^test/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two files one concept; break it.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Only tests import test code (the bench has its own helpers).',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'infrastructure-imports-nothing-above',
      severity: 'error',
      from: { path: '^(infrastructure|prisma)/' },
      to: { path: `^(domain|cellsAdmin)/|${ABOVE_ADMIN}` },
    },
    {
      name: 'domain-imports-no-process',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: `^cellsAdmin/|${ABOVE_ADMIN}` },
    },
    {
      name: 'cellsAdmin-imports-no-process',
      severity: 'error',
      from: { path: '^cellsAdmin/' },
      to: { path: ABOVE_ADMIN },
    },
    {
      name: 'processes-stay-apart',
      severity: 'error',
      comment: 'A process talks to another over its API, never by importing it.',
      from: { path: '^(gateway|subgraphs/global|subgraphs/cell|compute)/' },
      to: { path: '^(gateway|subgraphs/global|subgraphs/cell|compute)/', pathNot: '^$1/' },
    },
    {
      name: 'nothing-imports-an-entry-point',
      severity: 'error',
      from: { pathNot: '^test/|^(cli|deployment|bench|scripts)/' },
      to: { path: ENTRY },
    },
    {
      name: 'processes-import-no-entry-point',
      severity: 'error',
      from: { path: `${PROCESSES}|^(cellsAdmin|domain|infrastructure|prisma)/` },
      to: { path: '^(cli|deployment|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
