/**
 * mint as a user runs it: the built bundle against the emulator (its admin kubeconfig in
 * KUBECONFIG). The token it prints is one `decode` shows correctly and the API server accepts;
 * its -o kubeconfig file is one the real kubectl uses (`kubectl auth whoami`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { BIN, cleanPath, ensureBundle, KUBECTL, NODE24 as NODE } from '../support/bundle';

const kt = existsSync(KUBECTL) ? test : test.skip;
const noKubectl = existsSync(KUBECTL) ? '' : ' (skipped: /usr/bin/kubectl is not installed)';

let k: Emulator;
let dir: string;
let PATH: string;

/** Runs a program without blocking the event loop (the emulator answers from this process). */
function exec(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 20_000, env: { PATH, HOME: dir, KUBECONFIG: k.kubeconfigPath, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
const satoken = (...args: string[]) => exec(NODE, [BIN, ...args]);

beforeAll(async () => {
  ensureBundle();
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-mint-e2e-'));
  // dist/ (the plugin), the project's Node 24 and kubectl only: /usr/bin holds a Node 20.
  PATH = cleanPath(dir);
  k = await start({});
  await k.adminRequest('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await k.adminRequest('POST', '/api/v1/namespaces/shop/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } });
}, 120_000);
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl-satoken mint (built bundle, emulator)', () => {
  test('mint → decode: the token decodes as a bound token of shop/app for the requested audience and lifetime', async () => {
    const m = await satoken('mint', 'app', '-n', 'shop', '--duration', '30m', '--audience', 'https://kubernetes.default.svc.cluster.local');
    expect(m).toMatchObject({ code: 0, stderr: '' });
    expect(m.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/); // not a terminal: no newline, as kubectl
    const d = await satoken('decode', m.stdout, '--verify', '-o', 'json');
    expect(d.code).toBe(0);
    const ins = JSON.parse(d.stdout);
    expect(ins.token).toMatchObject({ type: 'bound', namespace: 'shop', serviceAccount: { name: 'app' }, audiences: ['https://kubernetes.default.svc.cluster.local'] });
    expect(Date.parse(ins.token.expiresAt) - Date.parse(ins.token.issuedAt)).toBe(30 * 60_000);
    expect(ins.verification.status).toBe('verified');
  });

  test('mint --decode prints the decoded token, never the token', async () => {
    const r = await satoken('mint', 'app', '-n', 'shop', '--decode');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Source: +TokenRequest for serviceaccount shop\/app$/m);
    expect(r.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]{20,}/);
  });

  kt(`-o kubeconfig --output-file: real kubectl authenticates with it (auth whoami)${noKubectl}`, async () => {
    const file = path.join(dir, 'app.kubeconfig');
    const m = await satoken('mint', 'app', '-n', 'shop', '-o', 'kubeconfig', '--output-file', file);
    expect(m).toMatchObject({ code: 0, stdout: '' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const mark = k.requests.length;
    const who = await exec('kubectl', ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { KUBECONFIG: file });
    expect(who).toMatchObject({ code: 0, stdout: 'system:serviceaccount:shop:app' });
    expect(k.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.user} ${r.status}`)).toContain(
      'POST /apis/authentication.k8s.io/v1/selfsubjectreviews system:serviceaccount:shop:app 201',
    );
  });

  kt(`kubectl satoken mint (through kubectl's plugin lookup): kubectl auth whoami accepts the token${noKubectl}`, async () => {
    const m = await exec('kubectl', ['satoken', 'mint', 'app', '-n', 'shop']);
    expect(m.code).toBe(0);
    // Only the token authenticates: no kubeconfig (the admin's client certificate would win over it).
    const ca = path.join(dir, 'ca.crt');
    writeFileSync(ca, k.caPem);
    const who = await exec('kubectl', ['auth', 'whoami', '--server', k.url, '--certificate-authority', ca, '--token', m.stdout, '-o', 'jsonpath={.status.userInfo.username}'], {
      KUBECONFIG: path.join(dir, 'none'),
    });
    expect(who).toMatchObject({ code: 0, stdout: 'system:serviceaccount:shop:app' });
  });

  test('a missing ServiceAccount: one error line, the hint, exit 1', async () => {
    const r = await satoken('mint', 'ghost', '-n', 'shop');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: failed to create token: serviceaccounts "ghost" not found\nhint: kubectl create serviceaccount ghost -n shop\n',
    });
  });
});
