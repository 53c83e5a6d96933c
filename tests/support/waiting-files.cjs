// The real tier's files that mostly wait for a real kubelet (its rotation of a 600 s token at 80 % of
// its lifetime, about 8 minutes): the sequencer starts them first and jest.config.cjs gives each a
// worker of its own, so that their waiting runs beside the rest of the suite instead of after it.
module.exports.WAITING_FILES = ['tests/real/rotation.slow.test.ts', 'tests/integration/diagnose-demo.test.ts', 'tests/integration/diagnose-fix.test.ts'];
