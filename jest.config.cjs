// Tests are TypeScript compiled by SWC (fast, no type check: `npm run typecheck` does that).
// ESM-only dependencies (client-node, yargs, jose) load through Jest's ESM support, which needs
// `node --experimental-vm-modules` (the npm test script passes it).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // ESM-only packages are loaded by Node's require(esm); do not transform node_modules. Except jose:
  // Jest's require(esm) needs vm.SourceTextModule, which Node exposes only with --experimental-vm-modules.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/tests/support/isolated-cache.cjs'],
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.cjs', '<rootDir>/tests/real/support/in-flight-reporter.cjs'],
  // One real cluster for the whole run (tests/real/support/shared.ts); the file that stops it runs last.
  globalSetup: '<rootDir>/tests/real/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/real/support/global-teardown.ts',
  testSequencer: '<rootDir>/tests/support/sequencer.cjs',
};
