// Tests are TypeScript compiled by SWC (fast, no type check: `npm run typecheck` does that).
// ESM-only dependencies (client-node, yargs, jose) load through Jest's ESM support, which needs
// `node --experimental-vm-modules` (the npm test script passes it).
const os = require('node:os');

// The real tier's files that mostly wait for a real kubelet (tests/support/waiting-files.cjs) each get
// a worker of their own beside the ones that keep the cores busy; where the real tier cannot run
// (not root, not Linux, SATOKEN_REAL=0) they skip at once and need none.
const { WAITING_FILES } = require('./tests/support/waiting-files.cjs');
const realTier = process.platform === 'linux' && process.getuid?.() === 0 && process.env.SATOKEN_REAL !== '0';
const busyWorkers = Math.max(1, os.availableParallelism() - 1);

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: busyWorkers + (realTier ? WAITING_FILES.length : 0),
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
