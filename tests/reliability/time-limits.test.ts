/**
 * Time limits: a server that accepts and never answers ends every command with "timed out" at
 * --request-timeout; Ctrl-C (the System signal) ends any command at once. Each bound is measured
 * from where its clock starts (the request reaching the server, the signal sent) and allows what a
 * loaded machine adds (LATE_MS): the command's own start-up is not part of what is judged.
 */
import { spawn } from 'node:child_process';
import { LATE_MS, whenGrows } from '../support/late';
import { bundle } from './support/bundle';
import { CLUSTER_COMMANDS, errorLines, noCrash, timed, useFaultWorld } from './support/world';

const w = useFaultWorld();
const { fault, run } = w;

describe('time limits', () => {
  test.each(Object.entries(CLUSTER_COMMANDS))('%s: a server that never answers → "timed out after 2s", 2 s after the request', async (_name, args) => {
    await fault({ pathRegex: '^/(api|apis)/', hang: true });
    const r = await run(args);
    noCrash(r);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringMatching(/request timed out after 2s|did not finish within 2s|timed out/)]);
    // The message says the hung request's timeout ended it; here: not long after that timeout.
    expect(r.sinceFirstRequestMs).toBeLessThan(2000 + LATE_MS);
  });

  test.each(Object.entries(CLUSTER_COMMANDS))('%s: Ctrl-C ends it at once and cleanly (in-process: the promise settles)', async (_name, args) => {
    await fault({ pathRegex: '^/(api|apis)/', hang: true });
    const ctl = new AbortController();
    const onWire = whenGrows(() => w.k().requests.length);
    const running = timed([...args, '--request-timeout', '30s'], { kubeconfig: w.k().kubeconfigPath, signal: ctl.signal });
    // Interrupt once a request hangs, as a user would: the command is waiting for the server.
    const aborted = await onWire.reached.then(() => (ctl.abort(), Date.now()));
    const r = await running;
    noCrash(r);
    expect(Date.now() - aborted).toBeLessThan(LATE_MS);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual(['error: interrupted']);
  });

  test('the built bundle: SIGINT during a hung request exits 130 at once', async () => {
    await fault({ pathRegex: '^/(api|apis)/', hang: true });
    const onWire = whenGrows(() => w.k().requests.length);
    const child = spawn(process.execPath, [bundle(), ...CLUSTER_COMMANDS.diagnose, '--request-timeout', '30s'], {
      env: { ...process.env, KUBECONFIG: w.k().kubeconfigPath, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // Signal once the request is on the wire (the emulator logs a hung request as it arrives).
    await onWire.reached;
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(LATE_MS);
    expect(stderr).toMatch(/^error: interrupted$/m);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
