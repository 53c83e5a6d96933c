/**
 * Time limits: a server that accepts and never answers ends every command with "timed out" within
 * --request-timeout plus a second; Ctrl-C (the System signal) ends any command at once.
 */
import { spawn } from 'node:child_process';
import { bundle } from './support/bundle';
import { CLUSTER_COMMANDS, errorLines, noCrash, NS, timed, useFaultWorld } from './support/world';

const w = useFaultWorld();
const { fault, run, log } = w;

describe('time limits', () => {
  test.each(Object.entries(CLUSTER_COMMANDS))('%s: a server that never answers → "timed out after 2s" within 3 s', async (_name, args) => {
    await fault({ pathRegex: '^/(api|apis)/', hang: true });
    const r = await run(args);
    noCrash(r);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringMatching(/request timed out after 2s|did not finish within 2s|timed out/)]);
    expect(r.ms).toBeLessThan(3000);
  });

  test.each(Object.entries(CLUSTER_COMMANDS))('%s: Ctrl-C ends it at once and cleanly (in-process: the promise settles)', async (_name, args) => {
    await fault({ pathRegex: '^/(api|apis)/', hang: true });
    const ctl = new AbortController();
    const started = Date.now();
    const running = timed([...args, '--request-timeout', '30s'], { kubeconfig: w.k().kubeconfigPath, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 300);
    const r = await running;
    noCrash(r);
    expect(Date.now() - started).toBeLessThan(1300);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual(['error: interrupted']);
  });

  test('the built bundle: SIGINT during a hung request exits 130 at once', async () => {
    await fault({ pathRegex: '^/(api|apis)/', hang: true });
    const child = spawn(process.execPath, [bundle(), ...CLUSTER_COMMANDS.diagnose, '--request-timeout', '30s'], {
      env: { ...process.env, KUBECONFIG: w.k().kubeconfigPath, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    // Signal once the request is on the wire (the emulator logs a hung request as it arrives).
    const mark = w.k().requests.length;
    for (let i = 0; i < 200 && w.k().requests.length === mark; i++) await new Promise((r) => setTimeout(r, 25));
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(stderr).toMatch(/^error: interrupted$/m);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
