// Prints the plain closing line CI counts (`N passed, N failed, N skipped`); Jest's own summary
// is in another form. Written to stderr after Jest's own summary (Jest writes there too). Part of `npm test`, so CI runs exactly the README's command.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stderr.write(`\n${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
