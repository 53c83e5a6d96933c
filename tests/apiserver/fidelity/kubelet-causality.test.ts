/**
 * Kubelet causality (issue 16), with the real kubectl only: a pod that `kubectl get pod` reports
 * Running has had its volumes set up, so its projected token was issued (TokenRequest) for the
 * ServiceAccount as it was then — upstream's kubelet fetches it in MountVolume.SetUp
 * (pkg/volume/projected/projected.go collectData → pkg/kubelet/token/token_manager.go
 * GetServiceAccountToken) before any container starts (pkg/kubelet/kubelet.go SyncPod:
 * WaitForAttachAndMount precedes containerRuntime.SyncPod).
 * Deleting and re-creating the ServiceAccount afterwards leaves the pod holding a token with the old
 * uid, which the API server refuses: pkg/serviceaccount/claims.go (validator) Validate →
 * `service account UID (<new>) does not match claim (<old>)`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, cleanPath, ensureBundle, KUBECTL } from '../../support/bundle';
import { findKubectl } from '../../support/kubectl';
import { type Emulator, start } from '../index';

const hasKubectl = findKubectl() !== undefined;
if (!hasKubectl) process.stdout.write('kubelet-causality: skipped (no kubectl >= 1.28 on PATH)\n');
const suite = hasKubectl ? describe : describe.skip;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let k: Emulator;
let work: string;

/** Runs a program asynchronously (the emulator lives in this process: a sync spawn would block it). */
function run(file: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { PATH: cleanPath(work), HOME: work, KUBECONFIG: k.kubeconfigPath }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
const kubectl = (args: string[], input?: string) => run(KUBECTL, args, input);

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.trim().split('.')[1]!, 'base64url').toString());

suite('kubelet causality: a Running pod already holds its token', () => {
  beforeAll(async () => {
    ensureBundle();
    work = mkdtempSync(path.join(tmpdir(), 'kubelet-causality-'));
    k = await start();
  }, 120_000);
  afterAll(async () => {
    await k?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('delete and re-create the ServiceAccount after Running: the pod keeps the old uid and diagnose says so', async () => {
    await ok(['create', 'namespace', 'causal']);
    await ok(['-n', 'causal', 'create', 'serviceaccount', 'app']);
    const oldUid = (await ok(['-n', 'causal', 'get', 'serviceaccount', 'app', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await ok(['-n', 'causal', 'apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { serviceAccountName: 'app', containers: [{ name: 'web', image: 'debian:12' }] },
    }));
    // What a user waits for: kubectl reports the pod Running (the emulated kubelet reports it at once).
    expect(await ok(['-n', 'causal', 'get', 'pod', 'web'])).toMatch(/^web\s+1\/1\s+Running\s+0/m);
    const startedAt = (await ok(['-n', 'causal', 'get', 'pod', 'web', '-o', 'jsonpath={.status.containerStatuses[0].state.running.startedAt}'])).trim();

    await ok(['-n', 'causal', 'delete', 'serviceaccount', 'app']);
    await ok(['-n', 'causal', 'create', 'serviceaccount', 'app']);
    const newUid = (await ok(['-n', 'causal', 'get', 'serviceaccount', 'app', '-o', 'jsonpath={.metadata.uid}'])).trim();
    expect(newUid).not.toBe(oldUid);

    const token = await ok(['-n', 'causal', 'exec', 'web', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
    const c = claims(token);
    expect(c['kubernetes.io'].serviceaccount).toEqual({ name: 'app', uid: oldUid });
    // Issued when the volume was set up: at or before the container started.
    expect(c.iat).toBeLessThanOrEqual(Date.parse(startedAt) / 1000);

    const d = await run(BIN, ['diagnose', 'web', '-n', 'causal', '-o', 'json']);
    expect(d.code).toBe(3);
    const checks = JSON.parse(d.stdout).items?.[0]?.checks ?? JSON.parse(d.stdout).checks;
    const byId = new Map<string, { status: string; message?: string; evidence?: unknown }>(checks.map((x: { id: string }) => [x.id, x]));
    expect(byId.get('serviceaccount-exists')?.status).toBe('fail');
    expect(byId.get('token-authenticates')?.status).toBe('fail');
    expect(JSON.stringify(byId.get('token-authenticates'))).toContain(`service account UID (${newUid}) does not match claim (${oldUid})`);
  }, 120_000);

  test('a bulk-loaded Running pod is set up before a write to its ServiceAccount is applied', async () => {
    const started = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const loaded = await start({
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'bulk' } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web', namespace: 'bulk' },
          spec: {
            serviceAccountName: 'app',
            nodeName: 'node-1',
            containers: [{ name: 'web', image: 'debian:12', volumeMounts: [{ name: 'kube-api-access-bulk1', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
            volumes: [
              {
                name: 'kube-api-access-bulk1',
                projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] },
              },
            ],
          },
          status: { phase: 'Running', startTime: started, containerStatuses: [{ name: 'web', ready: true, state: { running: { startedAt: started } } }] },
        },
      ],
    });
    try {
      const sa = await loaded.adminRequest('GET', '/api/v1/namespaces/bulk/serviceaccounts/app');
      const oldUid = (sa.body as { metadata: { uid: string } }).metadata.uid;
      expect((await loaded.adminRequest('DELETE', '/api/v1/namespaces/bulk/serviceaccounts/app')).status).toBe(200);
      expect((await loaded.adminRequest('POST', '/api/v1/namespaces/bulk/serviceaccounts', { metadata: { name: 'app' } })).status).toBe(201);
      const r = await run(KUBECTL, ['--kubeconfig', loaded.kubeconfigPath, '-n', 'bulk', 'exec', 'web', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
      expect(r.stderr).toBe('');
      expect(claims(r.stdout)['kubernetes.io'].serviceaccount.uid).toBe(oldUid);
    } finally {
      await loaded.stop();
    }
  }, 60_000);

  test('after a clock jump the file holds the token of the last refresh before now, written then (token_manager requiresRefresh)', async () => {
    await ok(['create', 'namespace', 'jump']);
    await ok(['-n', 'jump', 'run', 'web', '--image=debian:12']);
    const read = async () => claims(await ok(['-n', 'jump', 'exec', 'web', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']));
    const first = await read();
    expect((await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: 7200 })).status).toBe(200);
    const now = await read();
    // 3607 s tokens are refreshed strictly after iat + 2886 s (exp - 20 %): at +2886 s and +5772 s;
    // the next (+8658 s) is still ahead at +7200 s.
    expect(now.iat).toBe(first.iat + 2 * 2886);
    const mtime = await ok(['-n', 'jump', 'exec', 'web', '--', 'stat', '-L', '-c', '%Y', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
    expect(Number(mtime.trim())).toBe(now.iat);
  }, 60_000);
});

describe('pod GC of orphaned pods (podgc gc_controller.go gcOrphaned)', () => {
  test('deleting a Node deletes the pods bound to it, and their tokens stop authenticating', async () => {
    const g = await start();
    try {
      await g.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: 'gc' } });
      const pod = (await g.adminRequest('POST', '/api/v1/namespaces/gc/pods', { metadata: { name: 'web' }, spec: { nodeName: 'node-2', containers: [{ name: 'a', image: 'debian:12' }] } })).body as any;
      const tr = await g.adminRequest('POST', '/api/v1/namespaces/gc/serviceaccounts/default/token', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid } } });
      const token = (tr.body as any).status.token;
      expect((await g.adminRequest('DELETE', '/api/v1/nodes/node-2')).status).toBe(200);
      expect((await g.adminRequest('GET', '/api/v1/namespaces/gc/pods/web')).status).toBe(404);
      expect((await g.request('GET', '/api/v1/namespaces/gc/pods', { token })).status).toBe(401);
    } finally {
      await g.stop();
    }
  }, 60_000);
});

describe('a first mount that fails keeps the pod ContainerCreating (kubelet.go SyncPod waits for its volumes)', () => {
  test('a missing Secret: Pending/ContainerCreating with FailedMount; once it exists the pod runs, its token issued before its containers started', async () => {
    const g = await start();
    const own = mkdtempSync(path.join(tmpdir(), 'kubelet-waiting-'));
    const sh = (args: string[], input?: string) =>
      new Promise<Run>((resolve) => {
        const child = execFile(KUBECTL, args, { env: { PATH: cleanPath(own), HOME: own, KUBECONFIG: g.kubeconfigPath }, timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
        if (input !== undefined) child.stdin!.end(input);
      });
    try {
      await g.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: 'wait' } });
      const created = await sh(['-n', 'wait', 'apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'web', image: 'debian:12', volumeMounts: [{ name: 'creds', mountPath: '/creds' }] }], volumes: [{ name: 'creds', secret: { secretName: 'later' } }] },
      }));
      expect(created.stderr).toBe('');
      expect((await sh(['-n', 'wait', 'get', 'pod', 'web'])).stdout).toMatch(/^web\s+0\/1\s+ContainerCreating\s+0/m);
      const events = await sh(['-n', 'wait', 'get', 'events', '--field-selector', 'reason=FailedMount', '-o', 'jsonpath={.items[*].message}']);
      expect(events.stdout).toBe('MountVolume.SetUp failed for volume "creds" : secret "later" not found');
      const exec = await sh(['-n', 'wait', 'exec', 'web', '--', 'true']);
      expect(exec.code).not.toBe(0);

      expect((await g.adminRequest('POST', '/api/v1/namespaces/wait/secrets', { metadata: { name: 'later' }, stringData: { pw: 'x' } })).status).toBe(201);
      expect((await sh(['-n', 'wait', 'get', 'pod', 'web'])).stdout).toMatch(/^web\s+1\/1\s+Running\s+0/m);
      const token = claims((await sh(['-n', 'wait', 'exec', 'web', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'])).stdout);
      const startedAt = (await sh(['-n', 'wait', 'get', 'pod', 'web', '-o', 'jsonpath={.status.containerStatuses[0].state.running.startedAt}'])).stdout;
      // The token volume mounted at the first attempt (volumes are set up one by one): issued while
      // the pod waited, after its creation, before its containers started.
      const createdAt = (await sh(['-n', 'wait', 'get', 'pod', 'web', '-o', 'jsonpath={.metadata.creationTimestamp}'])).stdout;
      expect(token.iat).toBeGreaterThanOrEqual(Date.parse(createdAt) / 1000);
      expect(token.iat).toBeLessThanOrEqual(Date.parse(startedAt) / 1000);
      expect((await sh(['-n', 'wait', 'exec', 'web', '--', 'cat', '/creds/pw'])).stdout).toBe('x');
      const reasons = (await sh(['-n', 'wait', 'get', 'events', '--sort-by=.metadata.name', '-o', 'jsonpath={.items[*].reason}'])).stdout.split(' ');
      expect(reasons).toEqual(['Scheduled', 'FailedMount', 'Pulled', 'Created', 'Started']);
    } finally {
      await g.stop();
      rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);
});
