/**
 * test-auth as a user runs it: the built bundle against the emulator. The verdicts' exit codes
 * (0 authenticated, 3 forbidden/unauthenticated, 1 error), the table on stdout, and a token from
 * stdin — never printed back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { BIN, ensureBundle, NODE24 as NODE } from '../support/bundle';


let k: Emulator;
let dir: string;

/** The bundle, without blocking the event loop (the emulator answers from this process). */
function satoken(args: string[], opts: { input?: string; kubeconfig?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      NODE,
      [BIN, ...args],
      { timeout: 20_000, env: { PATH: path.dirname(NODE), HOME: dir, KUBECONFIG: opts.kubeconfig ?? k.kubeconfigPath } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(opts.input ?? '');
  });
}

beforeAll(async () => {
  ensureBundle();
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-test-auth-e2e-'));
  k = await start({});
  const admin = (p: string, body: unknown) => k.adminRequest('POST', p, body);
  await admin('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  for (const name of ['app', 'reader']) await admin('/api/v1/namespaces/shop/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  await admin('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'reader-view' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'shop' }],
  });
}, 120_000);
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl-satoken test-auth (built bundle, emulator)', () => {
  test('authenticated → exit 0, the verdict table', async () => {
    const r = await satoken(['test-auth', '--mint', 'reader', '-n', 'shop']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Verdict: +authenticated$/m);
    expect(r.stdout).toMatch(/^api-request +pass +200 +list pods in namespace shop: 200 OK$/m);
  });

  test('forbidden → exit 3, with the RoleBinding command', async () => {
    const r = await satoken(['test-auth', '--mint', 'app', '-n', 'shop']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Verdict: +forbidden$/m);
    expect(r.stdout).toMatch(/^Fix: +kubectl create role app-list-pods --verb=list --resource=pods -n shop && kubectl create rolebinding app-list-pods --role=app-list-pods --serviceaccount=shop:app -n shop$/m);
  });

  test('unauthenticated (a token from stdin, for another audience) → exit 3, the API server\'s reason; the token is never printed', async () => {
    const minted = await satoken(['mint', 'app', '-n', 'shop', '--audience', 'vault']);
    expect(minted.code).toBe(0);
    const token = minted.stdout;
    const r = await satoken(['test-auth', '-', '-o', 'json'], { input: token });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ kind: 'AuthTest', verdict: 'unauthenticated', source: 'stdin' });
    expect(result.reason).toMatch(/token audiences \["vault"\] is invalid/);
    expect(r.stdout + r.stderr).not.toContain(token.split('.')[2]);
  });

  test.each([
    ['in quotes, as copied from JSON', (t: string) => `"${t}"`],
    ['after "Authorization: Bearer "', (t: string) => `Authorization: Bearer ${t}`],
    ['after "token: "', (t: string) => `token: ${t}`],
  ])('a token pasted %s is sent to the API server without what came with it → authenticated', async (_name, wrap) => {
    const token = (await satoken(['mint', 'reader', '-n', 'shop'])).stdout.trim();
    const before = k.requests.length;
    const r = await satoken(['test-auth', '-', '-n', 'shop', '-o', 'json'], { input: `${wrap(token)}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'AuthTest', verdict: 'authenticated' });
    // The request made as the token came from its ServiceAccount: the server took the bearer token as it is.
    expect(k.requests.slice(before).some((q) => q.user === 'system:serviceaccount:shop:reader')).toBe(true);
  });

  test('error (nothing listens there) → exit 1, the reason names a network problem', async () => {
    const bad = path.join(dir, 'refused.kubeconfig');
    writeFileSync(bad, k.kubeconfig.replace(k.url, 'https://127.0.0.1:1'));
    const token = (await satoken(['mint', 'app', '-n', 'shop'])).stdout;
    const r = await satoken(['test-auth', '-', '--request-timeout', '5s'], { input: token, kubeconfig: bad });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Verdict: +error$/m);
    expect(r.stdout).toMatch(/a network problem, not a token problem/);
  });
});
