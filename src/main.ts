// The only file that touches process.*: argv, env, streams, exit code.
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { enableCompileCache } from './compile-cache.js';
import { nodeVersionProblem } from './version.js';

async function main(): Promise<void> {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    process.stderr.write(`error: ${problem}\n`);
    process.exitCode = 1;
    return;
  }
  // Start-up speed (issue 8): V8 reuses the code compiled by the previous run for every module
  // loaded from here on. In dist/ this import is the sibling bundle satoken-cli.cjs
  // (scripts/cli-chunks.mjs), so the cache covers the whole cli. Not in the single executable,
  // which carries its own code cache.
  if (!isSea()) enableCompileCache({ env: process.env, uid: process.getuid?.(), tmpdir: tmpdir() }, nodeModule);
  // A reader that goes away (`… | head`) is not an error: stop writing and end quietly, as a Go
  // kubectl does on SIGPIPE, instead of an EPIPE stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // Loaded after the version check: on an old Node the cli's dependencies crash on import.
  const { runCli } = await import('./cli/run.js');
  const controller = new AbortController();
  const onSignal = () => {
    // A second Ctrl-C ends at once, whatever is pending.
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    nodeVersion: process.versions.node,
    stdout: process.stdout,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    // Start-up speed (issue 8): Node builds process.stderr and process.stdin on first use (a pipe
    // on stdin loads node:net), and most runs never touch them: getters leave them unbuilt.
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY);
    },
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    signal: controller.signal,
  });
  // Never process.exit() after a large write to a pipe: it would be cut. Let Node end.
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (controller.signal.aborted) process.exitCode = 130;
}

/** node:sea exists from Node 20.12/21.7; the version check above has already refused older ones. */
function isSea(): boolean {
  try {
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

void main();
