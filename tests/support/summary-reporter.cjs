// Prints the plain closing lines CI counts: `real cluster: N tests` (the tests judged on the real
// backend, whose full name carries `real cluster`, passed or failed) and, last,
// `N passed, N failed, N skipped`; Jest's own summary is in another form. Written to stderr after
// Jest's own summary (Jest writes there too). Part of `npm test`, so CI runs exactly the README's command.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const real = results.testResults.flatMap((file) => file.testResults)
      .filter((t) => (t.status === 'passed' || t.status === 'failed') && t.fullName.includes('real cluster')).length;
    process.stderr.write(`\nreal cluster: ${real} tests\n${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
