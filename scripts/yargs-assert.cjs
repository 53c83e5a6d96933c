// Stands in for node:assert inside yargs (scripts/startup-shims.mjs swaps it in for yargs' platform
// shim only). yargs uses strictEqual/notStrictEqual for its internal sanity checks, and loading
// node:assert (with its diff and colour helpers) was ~8 % of every `--help` (issue 8). Same
// semantics for these two: Object.is, an AssertionError with code ERR_ASSERTION.
'use strict';

class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
    this.code = 'ERR_ASSERTION';
  }
}

function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) throw new AssertionError(message ?? `Expected values to be strictly equal: ${String(actual)} !== ${String(expected)}`);
}

function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) throw new AssertionError(message ?? `Expected "actual" to be strictly unequal to: ${String(expected)}`);
}

module.exports = { AssertionError, strictEqual, notStrictEqual };
