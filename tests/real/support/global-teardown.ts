/**
 * Jest global tear-down: stops the run-wide real cluster if it still runs (tests/real/lifecycle.test.ts
 * stops it itself when the run reaches it) and waits until the launcher has put the host back.
 */
import { rmSync } from 'node:fs';
import './global-setup';

export default async function globalTeardown(): Promise<void> {
  const run = globalThis.__satokenRealRun;
  if (!run) return;
  globalThis.__satokenRealRun = undefined;
  const { child } = run;
  if (child && child.exitCode === null && child.signalCode === null) {
    process.stderr.write('real tier: stopping the run-wide real cluster\n');
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    // The launcher bounds each of its own steps; this only keeps a wedged one from holding jest forever.
    const late = new Promise((r) => setTimeout(r, 5 * 60_000).unref());
    if (await Promise.race([gone.then(() => true), late.then(() => false)]) === false) {
      process.stderr.write(`real tier: the launcher (pid ${child.pid}) did not stop within 5 minutes\n`);
    }
  }
  rmSync(run.work, { recursive: true, force: true });
}
