// Keeps one file per real-tier test file that jest has handed to a worker and not yet reported on,
// in the directory the global set-up names (SATOKEN_REAL_IN_FLIGHT). The file that stops the run-wide
// cluster waits until it is the only one left. A reporter sees every file from the main process:
// onTestFileStart comes before the worker gets the file, onTestFileResult after it ended (passed,
// failed or crashed), so there is no moment when a file runs unseen, whatever the number of workers.
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const REAL = `${path.sep}tests${path.sep}real${path.sep}`;

/** The marker's name: the test file's path, encoded into one file name. */
const marker = (dir, testPath) => path.join(dir, encodeURIComponent(testPath));

class InFlightReporter {
  onTestFileStart(test) {
    const dir = process.env.SATOKEN_REAL_IN_FLIGHT;
    if (!dir || !test.path.includes(REAL)) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(marker(dir, test.path), `${process.pid}\n`);
  }

  onTestFileResult(test) {
    const dir = process.env.SATOKEN_REAL_IN_FLIGHT;
    if (!dir) return;
    rmSync(marker(dir, test.path), { force: true });
  }
}

module.exports = InFlightReporter;
