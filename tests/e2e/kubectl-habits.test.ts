/**
 * kubectl's habits, as a user meets them with the built bundle against the emulator: cobra's
 * "did you mean" for unknown commands and flags, TYPE/NAME arguments as `kubectl get -o name`
 * prints them, kubectl's exit codes for a bad context and for signals, singular counts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { BIN, ensureBundle, NODE24 as NODE } from '../support/bundle';

/** util-linux `script` gives a command a terminal; without it the terminal tests are skipped, saying so. */
const hasScript = existsSync('/usr/bin/script');
const onTty = hasScript ? test : test.skip;
if (!hasScript) process.stdout.write('terminal tests skipped: /usr/bin/script is not installed\n');

let k: Emulator;
let dir: string;
let pod: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The bundle, without blocking the event loop (the emulator answers from this process). */
function satoken(args: string[], opts: { kubeconfig?: string; onStart?: (pid: number) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(NODE, [BIN, ...args], { env: { PATH: path.dirname(NODE), HOME: dir, KUBECONFIG: opts.kubeconfig ?? k.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onStart?.(child.pid!);
  });
}

beforeAll(async () => {
  ensureBundle();
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-habits-e2e-'));
  k = await start({ scenarios: ['healthy', 'audit'] });
  const list = (await k.adminRequest('GET', '/api/v1/namespaces/demo-healthy/pods')) as { body: { items: Array<{ metadata: { name: string } }> } };
  pod = list.body.items[0]!.metadata.name;
}, 120_000);
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('unknown commands and flags: cobra\'s "did you mean", never an internal alias', () => {
  test('a mistyped command', async () => {
    const r = await satoken(['diagnos', 'web-0']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: unknown command "diagnos" for "kubectl-satoken"\n\nDid you mean this?\n\tdiagnose\nhint: see 'kubectl satoken --help'\n`);
  });

  test('a mistyped command after a global flag, and one like nothing', async () => {
    expect((await satoken(['-n', 'shop', 'dignose'])).stderr).toContain('unknown command "dignose" for "kubectl-satoken"\n\nDid you mean this?\n\tdiagnose\n');
    const none = await satoken(['frobnicate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`error: unknown command "frobnicate" for "kubectl-satoken"\nhint: see 'kubectl satoken --help'\n`);
  });

  test('a mistyped flag names the flag once, as typed, with the one meant', async () => {
    const r = await satoken(['diagnose', '--all-namespace']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: unknown flag: --all-namespace\n\nDid you mean this?\n\t--all-namespaces\nhint: see 'kubectl satoken diagnose --help'\n`);
    expect(r.stderr).not.toMatch(/allNamespace/);
    const other = await satoken(['decode', '--show-tokens', 'x']);
    expect(other.stderr).toContain('unknown flag: --show-tokens\n\nDid you mean this?\n\t--show-token\n');
    expect(other.stderr).not.toMatch(/showTokens/);
  });
});

describe('TYPE/NAME arguments, as `kubectl get pods -o name` prints them', () => {
  test.each(['pod', 'pods', 'po', 'Pod'])('diagnose %s/NAME diagnoses the pod NAME', async (type) => {
    const r = await satoken(['diagnose', `${type}/${pod}`, '-n', 'demo-healthy', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).pod.name).toBe(pod);
  });

  test('decode --pod and test-auth --pod take pod/NAME too', async () => {
    const d = await satoken(['decode', '--pod', `pod/${pod}`, '-n', 'demo-healthy', '-o', 'json']);
    expect(d.stderr).toBe('');
    expect(JSON.parse(d.stdout).kind).toBe('TokenInspection');
    const t = await satoken(['test-auth', '--pod', `pod/${pod}`, '-n', 'demo-healthy', '-o', 'json']);
    expect(t.stderr).not.toMatch(/not found|%2F/);
    expect(JSON.parse(t.stdout).kind).toBe('AuthTest');
  });

  test('another type is a usage error naming what was expected', async () => {
    const r = await satoken(['diagnose', 'deployment/web', '-n', 'demo-healthy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: diagnose takes a pod name, NAME or pod/NAME (got "deployment/web")\n');
    expect((await satoken(['mint', 'pod/web', '-n', 'demo-healthy'])).code).toBe(2);
  });
});

test('a --context the kubeconfig lacks exits 1, as kubectl', async () => {
  const r = await satoken(['diagnose', pod, '-n', 'demo-healthy', '--context', 'nope']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: context "nope" does not exist in the kubeconfig\n/);
});

test('a scan of one pod says "1 pod"', async () => {
  const r = await satoken(['diagnose', '-n', 'demo-healthy']);
  // Judged on the spec only (no --deep): inconclusive, and counted as one pod.
  expect(r.stdout).toMatch(/^1 pod: 0 healthy, 0 degraded, 0 failing, 1 inconclusive$/m);
  expect(r.stdout).not.toMatch(/\b1 pods\b/);
});

describe('signals: 143 for SIGTERM, 130 for SIGINT, also at the --apply prompt', () => {
  let blackhole: Server;
  const sockets: Socket[] = [];
  let connected: () => void = () => {};
  let kubeconfig: string;
  beforeAll(async () => {
    // An API server that accepts connections and never answers: the request hangs until a signal.
    blackhole = createServer((s) => {
      sockets.push(s);
      connected();
    });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as { port: number }).port;
    kubeconfig = path.join(dir, 'blackhole');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: not-a-real-token}\n`,
    );
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    blackhole.close();
  });

  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s during a request exits %i', async (signal, code) => {
    let pid = 0;
    const waiting = new Promise<void>((r) => (connected = r));
    const run = satoken(['diagnose', 'web-0', '-n', 'shop', '--request-timeout', '0'], { kubeconfig, onStart: (p) => (pid = p) });
    await waiting;
    process.kill(pid, signal);
    const r = await run;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(code);
  }, 90_000);

  // The prompt asks only on a terminal: `script` gives the command one.
  onTty.each([
    ['SIGTERM', 143],
    ['Ctrl-C', 130],
  ] as const)('%s at the y/N prompt ends the run with %i and applies nothing', async (how, expected) => {
    const backup = path.join(dir, `backup-${expected}`);
    // The shell script starts prints its own pid, then becomes the plugin: PID is the plugin's.
    const cmd = `echo PID $$; exec '${NODE}' '${BIN}' migrate-legacy -A --apply --backup-dir '${backup}'`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { PATH: `${path.dirname(NODE)}:/usr/bin:/bin`, HOME: dir, KUBECONFIG: k.kubeconfigPath, TERM: 'dumb', SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (/\[y\/N\]/.test(out)) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
      child.on('close', () => reject(new Error(`ended before the prompt: ${out}`)));
    });
    if (how === 'SIGTERM') process.kill(Number(/PID (\d+)/.exec(out)![1]), 'SIGTERM');
    else child.stdin.write('\u0003');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    clearTimeout(timer);
    expect(code).toBe(expected);
    // Nothing was applied: --apply backs up every object before it touches it, and the backup
    // directory (made private before the scan) holds nothing.
    expect(existsSync(backup) ? readdirSync(backup) : []).toEqual([]);
  }, 90_000);
});
