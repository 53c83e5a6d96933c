/**
 * The real tier's smoke test: `npm run cluster -- --real` starts a single-node Kubernetes built from
 * upstream sources (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
 * containerd, runc), and with nothing but its kubectl and the built plugin we check what the emulator
 * can only imitate: controllers rolling out a Deployment, the kubelet's projected token and its
 * `..data` layout, TokenReview by the real authenticator, and the plugin's verdicts on both.
 * The cluster is started once; the tests run in order against it; the last one stops it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { realTierUnavailable } from './gate';

const repo = path.resolve(__dirname, '..', '..');
const skip = realTierUnavailable();
// SATOKEN_REAL_KUBERNETES_VERSION=v1.37.2 runs the same checks on the other release the build knows.
const pinned = process.env.SATOKEN_REAL_KUBERNETES_VERSION
  ?? /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(path.join(repo, 'tests/realcluster/versions.env'), 'utf8'))![1];
const NS = 'real-smoke';
const POD_TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let work: string;
let kubeconfig: string;
let cluster: ChildProcess;
let clusterErr = '';
let runDir: string;
let pod: string;
let token: string;

/** Runs `cmd args` in a shell that sourced the cluster's env file first, as a user would. */
function withEnv(cmd: string, args: string[], input?: string, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['-c', 'source "$1" && shift && exec "$@"', 'real', `${kubeconfig}.env`, cmd, ...args],
      { encoding: 'utf8', timeout, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function kubectl(args: string[], input?: string): Promise<Run> {
  const r = await withEnv('kubectl', args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

function jwtPayload(jwt: string): any {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

async function tokenReview(t: string): Promise<any> {
  const r = await kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } }));
  return JSON.parse(r.stdout).status;
}

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** An admin request to the real cluster with the kubeconfig's client certificate. */
function realRequest(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const u = new URL(p, kc.clusters[0].cluster.server);
  return new Promise((resolve, reject) => {
    const req = https.request(u, {
      method, ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
      cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']),
      headers: body === undefined ? {} : { 'content-type': 'application/json' }, timeout: 30_000,
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        let parsed: any = data;
        try { parsed = JSON.parse(data); } catch { /* text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function realReview(t: string): Promise<any> {
  return (await realRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } })).body.status;
}

function checksById(stdout: string): Record<string, any> {
  return Object.fromEntries(JSON.parse(stdout).checks.map((c: any) => [c.id, c]));
}

// One plain line when the tier cannot run here, whatever the reporter (a skipped suite prints nothing).
if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`real cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'satoken-real-'));
    kubeconfig = path.join(work, 'config');
    cluster = spawn(process.execPath, [path.join(repo, 'scripts/cluster.mjs'), '--real', '--kubeconfig', kubeconfig, '--kubernetes-version', pinned,
      '--audit-log', path.join(work, 'audit.log')],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    cluster.stderr!.on('data', (d) => { clusterErr = (clusterErr + d).slice(-20_000); });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      cluster.stdout!.on('data', (d) => {
        out += d;
        const m = /^ready (https:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (m) resolve(m[1]);
      });
      cluster.once('exit', (code) => reject(new Error(`the cluster exited ${code} before ready:\n${clusterErr}`)));
    });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    runDir = path.dirname(/^export PATH='([^']+)'/m.exec(readFileSync(`${kubeconfig}.env`, 'utf8'))![1]);
    // A cold machine compiles Kubernetes first (tens of minutes); a cached build starts in about a minute.
  }, 90 * 60_000);

  afterAll(async () => {
    if (cluster && cluster.exitCode === null) {
      cluster.kill('SIGTERM');
      await new Promise((r) => cluster.once('exit', r));
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  test('kubectl version reports the pinned upstream release', async () => {
    const v = JSON.parse((await kubectl(['version', '-o', 'json'])).stdout);
    expect(v.serverVersion.gitVersion).toBe(pinned);
    expect(v.clientVersion.gitVersion).toBe(pinned);
  });

  test('the node is Ready and reports its kubelet and containerd 2.x', async () => {
    const nodes = JSON.parse((await kubectl(['get', 'nodes', '-o', 'json'])).stdout).items;
    expect(nodes).toHaveLength(1);
    const ready = nodes[0].status.conditions.find((c: any) => c.type === 'Ready');
    expect(ready.status).toBe('True');
    expect(nodes[0].status.nodeInfo.kubeletVersion).toBe(pinned);
    expect(nodes[0].status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./);
  });

  test('the apiserver serves its metrics', async () => {
    const r = await kubectl(['get', '--raw', '/metrics']);
    expect(r.stdout).toMatch(/^apiserver_request_total\{/m);
  });

  test('a Deployment of the local busybox image makes a ReplicaSet and a Running pod', async () => {
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['-n', NS, 'create', 'serviceaccount', 'app']);
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: NS },
      spec: {
        replicas: 1, selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: {
            serviceAccountName: 'app',
            // Loopback only: the pod shares the host's network and reaches the apiserver on 127.0.0.1.
            hostNetwork: true,
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: 'app', image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command: ['sleep', '3600'],
              env: [{ name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' }],
            }],
          },
        },
      },
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(deployment));
    await kubectl(['-n', NS, 'rollout', 'status', 'deployment/app', '--timeout=180s']);
    const rs = JSON.parse((await kubectl(['-n', NS, 'get', 'replicasets', '-o', 'json'])).stdout).items;
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'app' });
    const pods = JSON.parse((await kubectl(['-n', NS, 'get', 'pods', '-o', 'json'])).stdout).items;
    expect(pods).toHaveLength(1);
    expect(pods[0].status.phase).toBe('Running');
    expect(pods[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: rs[0].metadata.name });
    pod = pods[0].metadata.name;
  }, 240_000);

  test('kubectl exec reads the kubelet-written token, which names the pod and its node, in the ..data layout', async () => {
    token = (await kubectl(['-n', NS, 'exec', pod, '--', 'cat', `${POD_TOKEN_DIR}/token`])).stdout.trim();
    const claims = jwtPayload(token)['kubernetes.io'];
    expect(claims.pod.name).toBe(pod);
    expect(claims.node.name).toBe('127.0.0.1');
    expect(claims.serviceaccount.name).toBe('app');
    // The kubelet's atomic writer: a timestamped directory, `..data` pointing at it, files as links into `..data`.
    const ls = (await kubectl(['-n', NS, 'exec', pod, '--', 'ls', '-a', POD_TOKEN_DIR])).stdout.split(/\s+/).filter(Boolean);
    expect(ls).toEqual(expect.arrayContaining(['..data', 'ca.crt', 'namespace', 'token']));
    expect(ls.some((e) => /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/.test(e))).toBe(true);
    const link = (await kubectl(['-n', NS, 'exec', pod, '--', 'readlink', `${POD_TOKEN_DIR}/token`])).stdout.trim();
    expect(link).toBe('..data/token');
  });

  test('the audit log shows the kubelet, as its node, requesting that token', async () => {
    const entries = readFileSync(path.join(work, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const requests = entries.filter((e) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'serviceaccounts'
      && e.objectRef?.subresource === 'token' && e.objectRef?.namespace === NS && e.objectRef?.name === 'app');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0].user.username).toBe('system:node:127.0.0.1');
    expect(requests[0].user.groups).toContain('system:nodes');
    expect(requests[0].responseStatus.code).toBe(201);
  });

  test('a TokenReview authenticates the mounted token', async () => {
    const s = await tokenReview(token);
    expect(s.authenticated).toBe(true);
    expect(s.user.username).toBe(`system:serviceaccount:${NS}:app`);
  });

  test('diagnose calls the healthy pod healthy (exit 0)', async () => {
    const r = await withEnv(path.join(repo, 'dist/kubectl-satoken'), ['diagnose', pod, '-n', NS, '-o', 'json']);
    expect({ code: r.code, stdout: r.stdout.slice(0, 4000), stderr: r.stderr }).toMatchObject({ code: 0 });
    const byId = checksById(r.stdout);
    expect(byId['serviceaccount-exists'].status).toBe('pass');
    expect(byId['token-authenticates'].status).toBe('pass');
  }, 120_000);

  test('after the ServiceAccount is re-created the token fails with upstream\'s message, and diagnose exits 3 naming both checks', async () => {
    await kubectl(['-n', NS, 'delete', 'serviceaccount', 'app']);
    await kubectl(['-n', NS, 'create', 'serviceaccount', 'app']);
    // The apiserver caches a successful authentication for 10 s (TokenSuccessCacheTTL, k/k
    // pkg/kubeapiserver/options/authentication.go NewBuiltInAuthenticationOptions), so the old token
    // may still pass for that long. Poll until well past it; the deadline is checked after each try.
    const deadline = Date.now() + 60_000;
    let s = await tokenReview(token);
    while (s.authenticated && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      s = await tokenReview(token);
    }
    expect(s.authenticated).toBeFalsy();
    // k/k pkg/serviceaccount/claims.go: "service account UID (%s) does not match claim (%s)".
    expect(s.error).toMatch(/does not match claim/);
    const r = await withEnv(path.join(repo, 'dist/kubectl-satoken'), ['diagnose', pod, '-n', NS, '-o', 'json']);
    expect({ code: r.code, stdout: r.stdout.slice(0, 4000), stderr: r.stderr }).toMatchObject({ code: 3 });
    const byId = checksById(r.stdout);
    expect(byId['serviceaccount-exists'].status).toBe('fail');
    expect(byId['token-authenticates'].status).toBe('fail');
  }, 120_000);

  describe('differential: the emulator answers these requests as the real kube-apiserver does', () => {
    let emulator: Emulator;
    const DNS = 'diff';
    const both = async (method: string, p: string, body?: unknown) => {
      const [real, emu] = await Promise.all([realRequest(method, p, body), emulator.adminRequest(method, p, body)]);
      return { real: { status: real.status, body: real.body }, emu: { status: emu.status, body: emu.body } };
    };
    const tokenRequest = (sa: string, body: Record<string, unknown>) =>
      both('POST', `/api/v1/namespaces/${DNS}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', ...body });
    // What a client reads from a refusal; uids are random per cluster.
    const refusal = (r: { status: number; body: any }) => ({ status: r.status, reason: r.body?.reason, message: String(r.body?.message).replace(UIDS, '<uid>') });

    beforeAll(async () => {
      emulator = await start();
      for (const [m, p, b] of [
        ['POST', '/api/v1/namespaces', { metadata: { name: DNS } }],
        ['POST', `/api/v1/namespaces/${DNS}/serviceaccounts`, { metadata: { name: 'app' } }],
        ['POST', `/api/v1/namespaces/${DNS}/serviceaccounts`, { metadata: { name: 'other' } }],
        ['POST', `/api/v1/namespaces/${DNS}/pods`, { metadata: { name: 'web' }, spec: { serviceAccountName: 'app', hostNetwork: true,
          containers: [{ name: 'a', image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } }],
      ] as const) {
        const r = await both(m, p, b);
        expect([r.real.status, r.emu.status]).toEqual([201, 201]);
      }
    }, 60_000);
    afterAll(async () => {
      await emulator?.stop();
    });

    test.each([
      ['a body name other than the URL\'s', 'app', { metadata: { name: 'default' }, spec: {} }],
      ['a missing ServiceAccount', 'ghost', { spec: {} }],
      ['expirationSeconds under 10 minutes', 'app', { spec: { expirationSeconds: 599 } }],
      ['an unsupported bound kind', 'app', { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } }],
      ['a missing bound pod', 'app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } } }],
      ['a pod of another ServiceAccount', 'other', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } }],
      ['a stale bound pod uid', 'app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: '00000000-0000-4000-8000-000000000000' } } }],
    ])('TokenRequest refused: %s', async (_what, sa, body) => {
      const r = await tokenRequest(sa, body);
      expect(refusal(r.emu)).toEqual(refusal(r.real));
    });

    test('TokenReview: garbage, a foreign audience, a deleted bound pod, and a healthy token', async () => {
      const review = async (t: string) => {
        const r = await both('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } });
        return { real: r.real.body.status, emu: r.emu.body.status };
      };
      const mint = async (spec: Record<string, unknown>) => {
        const r = await tokenRequest('app', { spec });
        expect([r.real.status, r.emu.status]).toEqual([201, 201]);
        return { real: r.real.body.status.token as string, emu: r.emu.body.status.token as string };
      };
      const garbage = await review('not-a-jwt');
      expect(garbage.real.authenticated).toBeFalsy();
      expect(garbage.emu).toEqual(garbage.real);

      const foreign = await mint({ audiences: ['https://elsewhere.example'] });
      const [fr, fe] = await Promise.all([realReview(foreign.real), emulator.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: foreign.emu } })]);
      expect(fr.error).toMatch(/^\[invalid bearer token, token audiences \["https:\/\/elsewhere.example"\] is invalid for the target audiences/);
      expect({ authenticated: fe.body.status.authenticated, error: fe.body.status.error }).toEqual({ authenticated: fr.authenticated, error: fr.error });

      const healthy = await mint({});
      const [hr, he] = await Promise.all([realReview(healthy.real), emulator.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: healthy.emu } })]);
      const shape = (st: any) => ({ authenticated: st.authenticated, audiences: st.audiences, username: st.user.username, groups: st.user.groups,
        extra: Object.keys(st.user.extra ?? {}).sort(), uid: UID.test(st.user.uid) });
      expect(shape(he.body.status)).toEqual(shape(hr));

      const bound = await mint({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } });
      const gone = await both('DELETE', `/api/v1/namespaces/${DNS}/pods/web?gracePeriodSeconds=0`);
      expect([gone.real.status, gone.emu.status]).toEqual([200, 200]);
      // A pod deleted with grace 0 is gone from the store at once on both; poll the real one past
      // the kubelet's own cleanup.
      const deadline = Date.now() + 30_000;
      let br = await realReview(bound.real);
      while (br.authenticated && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        br = await realReview(bound.real);
      }
      // A missing bound pod is not named to the client (k/k pkg/serviceaccount/claims.go Validate).
      expect(br.error).toBe('[invalid bearer token, service account token has been invalidated]');
      const be = (await emulator.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: bound.emu } })).body.status;
      expect({ authenticated: be.authenticated, error: String(be.error).replace(UIDS, '<uid>') })
        .toEqual({ authenticated: br.authenticated, error: String(br.error).replace(UIDS, '<uid>') });

      // A re-created ServiceAccount (this token was never reviewed, so no cached success hides it).
      const early = await mint({});
      for (const [m, p, b] of [['DELETE', `/api/v1/namespaces/${DNS}/serviceaccounts/app`, undefined],
        ['POST', `/api/v1/namespaces/${DNS}/serviceaccounts`, { metadata: { name: 'app' } }]] as const) {
        const r = await both(m, p, b);
        expect([r.real.status, r.emu.status]).toEqual([m === 'POST' ? 201 : 200, m === 'POST' ? 201 : 200]);
      }
      const [rr, re] = await Promise.all([realReview(early.real), emulator.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: early.emu } })]);
      expect(rr.error).toMatch(/^\[invalid bearer token, service account UID \(\S+\) does not match claim \(\S+\)\]$/);
      expect({ authenticated: re.body.status.authenticated, error: String(re.body.status.error).replace(UIDS, '<uid>') })
        .toEqual({ authenticated: rr.authenticated, error: String(rr.error).replace(UIDS, '<uid>') });
    }, 90_000);
  });

  test('a second start while this one runs says so in one line and exits 1', async () => {
    const second = await new Promise<Run>((resolve) => {
      execFile(process.execPath, [path.join(repo, 'scripts/cluster.mjs'), '--real', '--kubeconfig', path.join(work, 'second')],
        { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });
    expect(second).toEqual({ code: 1, stdout: '', stderr: `error: a real cluster is already running on this machine (pid ${cluster.pid}); stop it first\n` });
    expect(existsSync(path.join(work, 'second'))).toBe(false);
  }, 90_000);

  test('SIGTERM stops every process and unmounts everything it made', async () => {
    cluster.kill('SIGTERM');
    const code = await new Promise((r) => cluster.once('exit', r));
    expect(code).toBe(0);
    const ours = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(runDir);
      } catch {
        return false;
      }
    });
    expect(ours).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(runDir))).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  }, 120_000);
});
