// Jest's own order (failed first, then slowest), with what the real tier needs: the files that mostly
// wait for a real kubelet (waiting-files.cjs) run first, the file that stops the run-wide real cluster
// (tests/real/lifecycle.test.ts) runs last, and the global set-up
// learns whether any file of this run uses the real cluster at all (a run of unit tests starts none).
// The sort runs before the global set-up (@jest/core runJest: sequencer.sort, then globalSetup), and
// process.env is how the two, loaded by different module systems, share that.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const { WAITING_FILES } = require('./waiting-files.cjs');

const LAST = path.join('tests', 'real', 'lifecycle.test.ts');
const FIRST = WAITING_FILES.map((f) => path.join(...f.split('/')));

class RealTierSequencer extends Sequencer {
  async sort(tests) {
    const sorted = [...(await super.sort(tests))];
    const uses = sorted.filter((t) => {
      try {
        return readFileSync(t.path, 'utf8').includes('sharedCluster(');
      } catch {
        return false;
      }
    });
    process.env.SATOKEN_REAL_CLUSTER_FILES = String(uses.length);
    const last = sorted.filter((t) => t.path.endsWith(path.sep + LAST));
    // The files that mostly wait for the real kubelet first, each on a worker of its own.
    const first = FIRST.flatMap((f) => sorted.filter((t) => t.path.endsWith(path.sep + f)));
    return [...first, ...sorted.filter((t) => !last.includes(t) && !first.includes(t)), ...last];
  }
}

module.exports = RealTierSequencer;
