/**
 * decode, test-auth, mint and whoami judged on both backends: the same objects made through the API
 * of the emulator and of the real cluster, the built bundle run as a user runs it (KUBECONFIG, the
 * real kubectl on PATH), and the verdicts compared once what differs by nature (token bytes, uids,
 * times, the server's address) is normalised. A verdict that differs fails.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { realTierUnavailable } from './gate';
import { kubectlIn, repo, withEnv, type Run } from './support/cluster';
import { sharedCluster } from './support/shared';

const skip = realTierUnavailable();
// A name of its own per run: a namespace deleted by an earlier run may still be terminating.
const NS = `real-cmd-${Date.now().toString(36)}`;
const BUSYBOX = { image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command: ['sleep', '3600'] };

const objects = [
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: NS } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'app-pod-reader', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: NS }] },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: NS }, spec: { serviceAccountName: 'app', hostNetwork: true, terminationGracePeriodSeconds: 0, containers: [{ name: 'app', ...BUSYBOX }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'vaulted', namespace: NS }, spec: {
    serviceAccountName: 'app', hostNetwork: true, terminationGracePeriodSeconds: 0,
    containers: [{ name: 'app', ...BUSYBOX, volumeMounts: [{ name: 'vault', mountPath: '/var/run/secrets/tokens', readOnly: true }] }],
    volumes: [{ name: 'vault', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'vault' } }] } }],
  } },
];

/** Token times as offsets from `iat` (the two backends mint a second or so apart). */
function relativeTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(relativeTimes);
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, relativeTimes(x)]));
  if (typeof o.iat === 'number') {
    for (const k of ['exp', 'nbf', 'kubernetes.io/warnafter', 'warnafter']) if (typeof o[k] === 'number') o[k] = `iat+${o[k] - o.iat}`;
    o.iat = '<iat>';
  }
  return o;
}

/**
 * What differs between two clusters by nature: token bytes, uids, times, the server's address, key
 * ids, certificate fingerprints, and the node's name (the real node is named after its address).
 */
function normalised(v: unknown): unknown {
  const text = JSON.stringify(relativeTimes(v))
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<jwt>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
    .replace(/https:\/\/127\.0\.0\.1:\d+/g, '<server>')
    .replace(/"kid":"[^"]*"/g, '"kid":"<kid>"')
    .replace(/signature matches key \\"[^"\\]+\\"/g, 'signature matches key <kid>')
    .replace(/X509SHA256=[0-9a-f]{64}/g, 'X509SHA256=<fingerprint>')
    .replace(/"(127\.0\.0\.1|node-\d+)"/g, '"<node>"');
  return JSON.parse(text);
}

interface Backend {
  name: string;
  run(args: string[], input?: string): Promise<Run>;
}

function runBundle(kubeconfig: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(path.join(repo, 'dist', 'kubectl-satoken'), args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, KUBECONFIG: kubeconfig } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

const json = (r: Run): any => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
};

if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`real cluster and emulator: decode, test-auth, mint, whoami give the same verdicts${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cluster = sharedCluster();
  let emulator: Emulator;
  let work: string;
  const backends: Backend[] = [];
  /** Both backends' answers to the same command line. */
  const both = async (args: string[], input?: (b: Backend) => Promise<string | undefined>) =>
    Promise.all(backends.map(async (b) => b.run(args, input ? await input(b) : undefined)));

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'satoken-cmd-'));
    // The emulator imitates the provider profile the real cluster runs now (issuer, API audiences).
    const profile = (await cluster().controlStatus().catch(() => ({ profile: cluster().profile }))).profile;
    emulator = await start({ profile: profile as never });
    const kubeconfig = cluster().kubeconfig;
    await kubectlIn(kubeconfig, ['create', 'namespace', NS]);
    const r = await emulator.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: NS } });
    expect(r.status).toBe(201);
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
    await kubectlIn(kubeconfig, ['apply', '-f', '-'], list);
    const emuKubeconfig = emulator.kubeconfigPath;
    // The emulator serves no OpenAPI document, which kubectl's client-side validation reads.
    const applied = await runKubectl(emuKubeconfig, ['apply', '--validate=false', '-f', '-'], list);
    if (applied.code !== 0) throw new Error(`kubectl apply on the emulator: ${applied.stderr}`);
    await kubectlIn(kubeconfig, ['wait', '-n', NS, '--for=condition=Ready', 'pod/web', 'pod/vaulted', '--timeout=180s']);
    backends.push({ name: 'emulator', run: (args, input) => runBundle(emuKubeconfig, args, input) });
    backends.push({ name: 'real', run: (args, input) => withEnv(kubeconfig, 'kubectl-satoken', args, input) });
    writeFileSync(path.join(work, 'none'), '');
  }, 300_000);

  afterAll(async () => {
    await emulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    await kubectlIn(cluster().kubeconfig, ['delete', 'namespace', NS, '--wait=false']).catch(() => {});
  });

  /** The real cluster's kubectl against any kubeconfig (the emulator's too). */
  function runKubectl(kubeconfig: string, args: string[], input?: string): Promise<Run> {
    return withEnv(cluster().kubeconfig, 'kubectl', ['--kubeconfig', kubeconfig, ...args], input);
  }

  test('decode --pod: the mounted token\'s claims, findings and exit code', async () => {
    const [emu, real] = await both(['decode', '--pod', 'web', '-n', NS, '-o', 'json']);
    expect(real.code).toBe(0);
    expect(emu.code).toBe(real.code);
    const shape = (r: Run) => {
      const d = json(r);
      return normalised({ claims: Object.keys(d.claims ?? d.payload ?? {}).sort(), findings: (d.findings ?? []).map((f: any) => f.id ?? f.code).sort(), kind: d.kind });
    };
    expect(shape(emu)).toEqual(shape(real));
  });

  test.each([
    ['the pod\'s API token, what it may do', ['test-auth', '--pod', 'web', '-n', NS, '--can', 'list', 'pods', '--can', 'get', 'secrets', '-o', 'json']],
    ['a projected token for vault, reviewed for vault', ['test-auth', '--pod', 'vaulted', '-n', NS, '--path', '/var/run/secrets/tokens/vault', '--audience', 'vault', '-o', 'json']],
    ['a projected token for vault, reviewed for the API server', ['test-auth', '--pod', 'vaulted', '-n', NS, '--path', '/var/run/secrets/tokens/vault', '-o', 'json']],
  ])('test-auth: %s', async (_what, args) => {
    const [emu, real] = await both(args);
    expect(emu.code).toBe(real.code);
    expect(normalised(json(emu))).toEqual(normalised(json(real)));
  });

  test.each([
    ['the server\'s default lifetime', ['mint', 'app', '-n', NS, '--decode', '-o', 'json']],
    ['one hour for vault', ['mint', 'app', '-n', NS, '--duration', '1h', '--audience', 'vault', '--decode', '-o', 'json']],
    ['bound to pod web', ['mint', 'app', '-n', NS, '--bound-object-kind', 'Pod', '--bound-object-name', 'web', '--decode', '-o', 'json']],
    ['refused: a ServiceAccount that is not there', ['mint', 'ghost', '-n', NS]],
    ['refused: under ten minutes', ['mint', 'app', '-n', NS, '--duration', '5m']],
  ])('mint: %s', async (_what, args) => {
    const [emu, real] = await both(args);
    expect(emu.code).toBe(real.code);
    if (real.code === 0) expect(normalised(json(emu))).toEqual(normalised(json(real)));
    else expect(normalised(emu.stderr)).toEqual(normalised(real.stderr));
  });

  test('whoami with the pod\'s token: user, groups and extras', async () => {
    const token = (b: Backend) => (b.name === 'real' ? withEnv(cluster().kubeconfig, 'kubectl', ['create', 'token', 'app', '-n', NS]) : runKubectl(emulator.kubeconfigPath, ['create', 'token', 'app', '-n', NS]));
    const [emu, real] = await Promise.all(backends.map(async (b) => {
      const t = (await token(b)).stdout.trim();
      return b.run(['whoami', '--token', t, '-o', 'json']);
    }));
    expect(real.code).toBe(0);
    expect(emu.code).toBe(real.code);
    const who = (r: Run) => normalised({ user: json(r).user, credential: json(r).credential });
    expect(who(real)).toMatchObject({ user: { username: 'kubernetes-admin' }, credential: { kind: 'client-certificate', unused: 'token' } });
    expect(who(emu)).toEqual(who(real));
  });
});
