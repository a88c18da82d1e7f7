/** Tests talk to real PostgreSQL and RabbitMQ; see test/helpers. Type checking is
 * done once by `tsc` (npm test runs it first), so ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
    // cockatiel 4 ships ES modules only: Node loads them (require(esm)), jest's CommonJS runtime needs them transpiled.
    '/node_modules/cockatiel/.+\\.js$': [
      'ts-jest',
      {
        tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022' },
        diagnostics: false,
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!cockatiel/)'],
  testTimeout: 60000,
  // A suite whose beforeAll failed under a real fault (the broker stopped by another run) cannot
  // stop the servers it started; their sockets must not keep CI waiting for ever after the
  // summary line. Suites still close what they start; this only bounds the damage.
  forceExit: true,
  globalSetup: '<rootDir>/test/helpers/globalSetup.ts',
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
};
