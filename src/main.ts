// The only file that touches process.*: argv, env, streams, exit code.
import { nodeVersionProblem } from './version.js';

async function main(): Promise<void> {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    process.stderr.write(`error: ${problem}\n`);
    process.exitCode = 1;
    return;
  }
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
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    signal: controller.signal,
  });
  // Never process.exit() after a large write to a pipe: it would be cut. Let Node end.
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (controller.signal.aborted) process.exitCode = 130;
}

void main();
