/**
 * The real kubectl against the emulator: the calls the plugin's users and its printed fixes make.
 * Skipped, with the reason printed, when no kubectl >= 1.28 is on PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Emulator, start } from './index';

function kubectlVersion(): { ok: true } | { ok: false; reason: string } {
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const v = JSON.parse(out).clientVersion;
    const minor = parseInt(String(v.minor), 10);
    if (v.major === '1' && minor >= 28) return { ok: true };
    return { ok: false, reason: `kubectl ${v.gitVersion} is older than 1.28` };
  } catch (e) {
    return { ok: false, reason: `kubectl not runnable: ${(e as Error).message.split('\n')[0]}` };
  }
}

const found = kubectlVersion();
if (!found.ok) process.stdout.write(`kubectl-compat: skipped (${found.reason})\n`);
const suite = found.ok ? describe : describe.skip;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let k: Emulator;
const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-compat-'));

/** Runs kubectl asynchronously (the server lives in this process: a sync spawn would block it). */
function kubectl(args: string[], kubeconfig = k.kubeconfigPath): Promise<Run> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.trim().split('.')[1], 'base64url').toString());
}

function tokenKubeconfig(token: string): string {
  const file = path.join(dir, `token-${Math.random().toString(36).slice(2)}.kubeconfig`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: k.url, 'certificate-authority-data': Buffer.from(k.caPem).toString('base64') } }],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return file;
}

suite('kubectl compatibility', () => {
  beforeAll(async () => {
    k = await start({ scenarios: 'healthy' });
  });
  afterAll(async () => {
    await k?.stop();
  });

  test('get pods -A prints the cluster like a real one', async () => {
    const r = await kubectl(['get', 'pods', '-A']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(r.stdout).toMatch(/kube-system\s+kube-apiserver-node-1\s+1\/1\s+Running\s+0/);
    expect(r.stdout).toMatch(/demo-healthy\s+web-\w+-\w{5}\s+1\/1\s+Running/);
  });

  test('create -f, patch (strategic and JSON), get -o jsonpath and delete', async () => {
    const file = path.join(dir, 'objs.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: compat\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: compat\ndata:\n  a: "1"\n');
    const c = await kubectl(['create', '-f', file]);
    expect(c.stdout).toBe('serviceaccount/compat created\nconfigmap/compat created\n');
    expect((await kubectl(['patch', 'configmap', 'compat', '-p', '{"data":{"b":"2"}}'])).stdout).toBe('configmap/compat patched\n');
    expect((await kubectl(['patch', 'configmap', 'compat', '--type=json', '-p', '[{"op":"remove","path":"/data/a"}]'])).stdout).toBe('configmap/compat patched\n');
    expect((await kubectl(['get', 'configmap', 'compat', '-o', 'jsonpath={.data}'])).stdout).toBe('{"b":"2"}');
    const d = await kubectl(['delete', '-f', file]);
    expect(d.stdout).toBe('serviceaccount "compat" deleted\nconfigmap "compat" deleted\n');
    const gone = await kubectl(['get', 'sa', 'compat']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error from server (NotFound): serviceaccounts "compat" not found\n');
  });

  test('the typed creators the fixes print (protobuf bodies) work', async () => {
    expect((await kubectl(['create', 'serviceaccount', 'typed'])).stdout).toBe('serviceaccount/typed created\n');
    expect((await kubectl(['create', 'role', 'typed', '--verb=get,list', '--resource=pods'])).stdout).toBe('role.rbac.authorization.k8s.io/typed created\n');
    expect((await kubectl(['create', 'rolebinding', 'typed', '--role=typed', '--serviceaccount=default:typed'])).stdout).toBe('rolebinding.rbac.authorization.k8s.io/typed created\n');
    expect((await kubectl(['create', 'configmap', 'typed', '--from-literal=a=b'])).stdout).toBe('configmap/typed created\n');
    expect((await kubectl(['create', 'secret', 'generic', 'typed', '--from-literal=a=b'])).stdout).toBe('secret/typed created\n');
    const received = k.requests.filter((q) => q.method === 'POST' && q.path.startsWith('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings'));
    expect(received[0].headers['content-type']).toBe('application/vnd.kubernetes.protobuf');
    expect(received[0].status).toBe(201);
  });

  test('create token --audience x --duration 10m', async () => {
    const r = await kubectl(['create', 'token', 'default', '--audience', 'x', '--duration', '10m']);
    expect(r.code).toBe(0);
    const c = claims(r.stdout);
    expect(c.aud).toEqual(['x']);
    expect(c.exp - c.iat).toBe(600);
    expect(c.sub).toBe('system:serviceaccount:default:default');
    const req = k.requests.find((q) => q.path.startsWith('/api/v1/namespaces/default/serviceaccounts/default/token'));
    expect(req).toMatchObject({ method: 'POST', status: 201, user: 'kubernetes-admin' });
  });

  test('auth whoami with a kubeconfig that holds only a minted token', async () => {
    const token = (await kubectl(['create', 'token', 'default'])).stdout.trim();
    const r = await kubectl(['auth', 'whoami'], tokenKubeconfig(token));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Username\s+system:serviceaccount:default:default/);
    expect(r.stdout).toContain('[system:serviceaccounts system:serviceaccounts:default system:authenticated]');
    const bad = await kubectl(['auth', 'whoami'], tokenKubeconfig(token.slice(0, -4) + 'AAAA'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Unauthorized');
  });

  test('auth can-i --as a ServiceAccount follows RBAC', async () => {
    const before = await kubectl(['auth', 'can-i', 'delete', 'pods', '--as', 'system:serviceaccount:default:typed']);
    expect(before.stdout.trim()).toBe('no');
    expect(before.code).toBe(1);
    const get = await kubectl(['auth', 'can-i', 'get', 'pods', '--as', 'system:serviceaccount:default:typed']);
    expect(get.stdout.trim()).toBe('yes');
    const denied = await kubectl(['get', 'secrets', '--as', 'system:serviceaccount:default:typed']);
    expect(denied.stderr).toBe(
      'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:typed" cannot list resource "secrets" in API group "" in the namespace "default"\n',
    );
  });

  test('exec cat of the projected token, and a failing command exits with its code', async () => {
    const pod = (await kubectl(['get', 'pods', '-n', 'demo-healthy', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    const r = await kubectl(['exec', '-n', 'demo-healthy', pod, '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
    expect(r.code).toBe(0);
    const c = claims(r.stdout);
    expect(c['kubernetes.io'].pod.name).toBe(pod);
    expect(c['kubernetes.io'].serviceaccount.name).toBe('web');
    const fail = await kubectl(['exec', '-n', 'demo-healthy', pod, '--', 'cat', '/nope']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('cat: /nope: No such file or directory');
    expect(fail.stderr).toContain('command terminated with exit code 1');
    const upgrade = k.requests.find((q) => q.path.includes('/exec?'));
    expect(upgrade).toMatchObject({ status: 101, user: 'kubernetes-admin' });
  });
});
