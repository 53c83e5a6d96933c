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
    const text = new Map(sorted.map((t) => {
      try {
        return [t, readFileSync(t.path, 'utf8')];
      } catch {
        return [t, ''];
      }
    }));
    const uses = sorted.filter((t) => text.get(t).includes('sharedCluster('));
    process.env.SATOKEN_REAL_CLUSTER_FILES = String(uses.length);
    const last = sorted.filter((t) => t.path.endsWith(path.sep + LAST));
    // The files that mostly wait for the real kubelet first, each on a worker of its own.
    const first = FIRST.flatMap((f) => sorted.filter((t) => t.path.endsWith(path.sep + f)));
    // A file that has the cluster alone (sharedCluster({ exclusive: true })) waits until every other
    // real-tier file in flight has ended, and holds its worker meanwhile: after everything else, so
    // that it never waits on the files that wait for the kubelet while other files could run.
    const exclusive = sorted.filter((t) => /sharedCluster\(\{\s*exclusive:\s*true/.test(text.get(t)) && !first.includes(t) && !last.includes(t));
    const rest = sorted.filter((t) => !last.includes(t) && !first.includes(t) && !exclusive.includes(t));
    return [...first, ...rest, ...exclusive, ...last];
  }
}

module.exports = RealTierSequencer;
