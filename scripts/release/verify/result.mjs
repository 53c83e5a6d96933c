// The shape every check in this folder returns, and the helpers that fill it.

/**
 * What one check found. `ok` is true exactly when `problems` is empty; `facts` are what was read
 * (identifier, hash type, offsets...), printed by the CLI and asserted on by the tests.
 * @typedef {{ ok: boolean, problems: string[], facts: Record<string, unknown> }} CheckResult
 */

/** @returns {CheckResult} */
export function newResult() {
  return { ok: true, problems: [], facts: {} };
}

/** Sets `ok` from `problems` (call once, at the end of a check). */
export function finish(/** @type {CheckResult} */ r) {
  r.ok = r.problems.length === 0;
  return r;
}

/** `0x1f40` */
export const hex = (/** @type {number | bigint} */ n) => `0x${n.toString(16)}`;
