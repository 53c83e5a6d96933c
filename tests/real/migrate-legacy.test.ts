/**
 * `kubectl satoken migrate-legacy` on a real cluster whose workloads use legacy
 * `kubernetes.io/service-account-token` Secrets for real: a Deployment mounting one, one reading it
 * through env `secretKeyRef`, a Secret nobody uses, and one a finished pod used (so the real
 * authenticator wrote `kubernetes.io/legacy-token-last-used`, k/k pkg/serviceaccount/legacy.go).
 * The plugin runs as a user runs it (the built bundle, `kubectl satoken`, the cluster's kubeconfig).
 *
 * Then the legacy token cleaner of kube-controller-manager, synthetic-time: its dates are made
 * from its own inputs (the tracking ConfigMap's `since`, the last-used and invalid-since labels),
 * with the controller-manager restarted with a short clean-up period; the cleaner runs once at each
 * start (its sync interval is 24 h, k/k pkg/controller/serviceaccount/legacy_serviceaccount_token_cleaner.go
 * DefaultCleanerSyncInterval, run by wait.UntilWithContext, which starts at once).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { realTierUnavailable } from './gate';
import { kubectlIn, withEnv, type Run } from './support/cluster';
import { interpose } from './support/interposer';
import { sharedCluster } from './support/shared';

const skip = realTierUnavailable();
const NS = 'real-ml-app';
const RACE = 'real-ml-race';
const CLEAN = 'real-ml-cleaner';
const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const TRACKING = ['-n', 'kube-system', 'configmap', 'kube-apiserver-legacy-service-account-token-tracking'];
const LAST_USED = 'kubernetes.io/legacy-token-last-used';
const INVALID_SINCE = 'kubernetes.io/legacy-token-invalid-since';
const DAY = 86_400_000;

/** What a client sees while kube-apiserver restarts. */
const RESTARTING = /connection refused|was refused|ECONNREFUSED|ECONNRESET|connection reset|unexpected EOF|ServiceUnavailable|the server is currently unable|net\/http: TLS handshake timeout/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const today = () => new Date().toISOString().slice(0, 10);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Polls `probe` until it returns something other than undefined, or throws after `ms` with `what`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(1000);
  }
}

/** Near midnight UTC the day in a label may turn between writing and checking it: such runs wait. */
async function awayFromMidnight(): Promise<void> {
  const t = new Date();
  const minutes = t.getUTCHours() * 60 + t.getUTCMinutes();
  if (minutes >= 23 * 60 + 58) await sleep((24 * 60 - minutes + 3) * 60_000);
  else if (minutes < 3) await sleep((3 - minutes) * 60_000);
}

/** A legacy token Secret for `sa`, filled in by the real token controller. */
function tokenSecret(ns: string, name: string, sa: string) {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace: ns, annotations: { 'kubernetes.io/service-account.name': sa } },
  };
}

/**
 * A call to the API server with `token` as the bearer, as an app would make it (GET /api, which any
 * authenticated user may read). The apps here cannot call it themselves: busybox's TLS client and
 * kube-apiserver agree on no cipher suite (handshake failure, alert 40), so the test calls for them
 * with the token read from the container.
 */
function callApi(kubeconfig: string, token: string): Promise<number> {
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  const url = new URL('/api', kc.clusters[0].cluster.server);
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'GET', ca, headers: { authorization: `Bearer ${token}` }, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function deployment(ns: string, name: string, podSpec: Record<string, unknown>) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: {
      replicas: 1, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { serviceAccountName: name, hostNetwork: true, terminationGracePeriodSeconds: 1, ...podSpec } },
    },
  };
}

const container = (command: string[], extra: Record<string, unknown> = {}) => ({
  name: 'app', image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command, ...extra,
});

if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`real cluster: migrate-legacy and the legacy token cleaner${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // Exclusive: the cleaner test restarts kube-controller-manager, whose cleaner acts cluster-wide.
  const cluster = sharedCluster({ exclusive: true });
  let kc: string;
  let work: string;
  /**
   * kubectl of the cluster; while kube-apiserver restarts (another file's reconfigure on the shared
   * cluster) the connection is refused for a few seconds: tried again, up to a minute.
   */
  const kubectl = async (args: string[], input?: string): Promise<Run> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await kubectlIn(kc, args, input);
      } catch (e) {
        if (!RESTARTING.test(String(e)) || Date.now() > deadline) throw e;
        await sleep(2000);
      }
    }
  };
  const json = async (args: string[]): Promise<any> => JSON.parse((await kubectl([...args, '-o', 'json'])).stdout);
  const satoken = (args: string[], kubeconfig = kc): Promise<Run> => withEnv(kubeconfig, 'kubectl', ['satoken', ...args], undefined, 300_000);
  const apply = (obj: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));

  /** Deletes the namespace (if there) and waits until it is gone, so a rerun starts clean. */
  async function freshNamespace(ns: string): Promise<void> {
    await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=180s']);
    await kubectl(['create', 'namespace', ns]);
  }

  /** Creates ServiceAccount `sa` and its token Secret `secret`, listed in its `.secrets` as the token controller did before 1.24. */
  async function autoGenerated(ns: string, sa: string, secret: string): Promise<void> {
    await kubectl(['-n', ns, 'create', 'serviceaccount', sa]);
    await apply(tokenSecret(ns, secret, sa));
    await kubectl(['-n', ns, 'patch', 'serviceaccount', sa, '--type', 'merge', '-p', JSON.stringify({ secrets: [{ name: secret }] })]);
    await until(`the token controller to fill ${ns}/${secret}`, 60_000, async () => ((await json(['-n', ns, 'get', 'secret', secret])).data?.token ? true : undefined));
  }

  async function labelOf(ns: string, secret: string, label: string): Promise<string | undefined> {
    return (await json(['-n', ns, 'get', 'secret', secret])).metadata.labels?.[label];
  }

  async function report(ns: string, extra: string[] = [], kubeconfig = kc): Promise<{ run: Run; body: any; bySecret: Record<string, any> }> {
    let run = await satoken(['migrate-legacy', '-n', ns, '-o', 'json', ...extra], kubeconfig);
    // A dry run changes nothing: one that met a restarting kube-apiserver is run again.
    for (let i = 0; i < 20 && !extra.includes('--apply') && run.code !== 0 && RESTARTING.test(run.stderr); i++) {
      await sleep(3000);
      run = await satoken(['migrate-legacy', '-n', ns, '-o', 'json', ...extra], kubeconfig);
    }
    let body: any;
    try {
      body = JSON.parse(run.stdout);
    } catch {
      throw new Error(`migrate-legacy exited ${run.code} without JSON: ${run.stderr}`);
    }
    return { run, body, bySecret: Object.fromEntries((body.items ?? []).map((i: any) => [i.secret, i])) };
  }

  const runningPod = (ns: string, app: string) =>
    until(`a Running pod of ${app}`, 180_000, async () => {
      const pods = (await json(['-n', ns, 'get', 'pods', '-l', `app=${app}`])).items.filter((p: any) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
      return pods.length === 1 ? (pods[0].metadata.name as string) : undefined;
    });

  async function tokenReview(token: string): Promise<any> {
    const r = await kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
    return JSON.parse(r.stdout).status;
  }

  beforeAll(() => {
    kc = cluster().kubeconfig;
    work = mkdtempSync(path.join(os.tmpdir(), 'satoken-real-ml-'));
  });
  afterAll(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('workloads using legacy token Secrets for real', () => {
    /** What each object was before --apply: --restore must bring this back. */
    const before: Record<string, any> = {};
    let webPod: string;

    beforeAll(async () => {
      await awayFromMidnight();
      await freshNamespace(NS);
      for (const sa of ['web', 'worker', 'idle', 'batch']) await autoGenerated(NS, sa, `${sa}-token`);
      // A manual token: its ServiceAccount does not list it (how it is made since 1.24).
      await apply(tokenSecret(NS, 'manual-token', 'idle'));
      // The pre-1.24 shape: the token Secret mounted where admission would mount the projected token.
      await apply(deployment(NS, 'web', {
        containers: [container(['sleep', '3600'], { volumeMounts: [{ name: 'token', mountPath: DIR, readOnly: true }] })],
        volumes: [{ name: 'token', secret: { secretName: 'web-token' } }],
      }));
      await apply(deployment(NS, 'worker', {
        automountServiceAccountToken: false,
        containers: [container(['sleep', '3600'], { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'worker-token', key: 'token' } } }] })],
      }));
      // A pod that used its token and is gone: the Secret keeps the day of use, and no user.
      await apply({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'batch-once', namespace: NS },
        spec: {
          serviceAccountName: 'batch', restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
          containers: [container(['sleep', '3600'], { volumeMounts: [{ name: 'token', mountPath: DIR, readOnly: true }] })],
          volumes: [{ name: 'token', secret: { secretName: 'batch-token' } }],
        },
      });
      await kubectl(['-n', NS, 'wait', 'pod/batch-once', '--for=condition=Ready', '--timeout=180s']);
      await kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
      await kubectl(['-n', NS, 'rollout', 'status', 'deployment/worker', '--timeout=180s']);
      webPod = await runningPod(NS, 'web');
      // Each app's call with the token its container holds: the mounted file, the env variable.
      const tokens = {
        web: (await kubectl(['-n', NS, 'exec', webPod, '--', 'cat', `${DIR}/token`])).stdout.trim(),
        worker: (await kubectl(['-n', NS, 'exec', await runningPod(NS, 'worker'), '--', 'sh', '-c', 'printf %s "$TOKEN"'])).stdout.trim(),
        batch: (await kubectl(['-n', NS, 'exec', 'batch-once', '--', 'cat', `${DIR}/token`])).stdout.trim(),
      };
      for (const [app, token] of Object.entries(tokens)) expect({ app, status: await callApi(kc, token) }).toEqual({ app, status: 200 });
      await kubectl(['-n', NS, 'delete', 'pod', 'batch-once', '--wait=true']);
    }, 15 * 60_000);

    // Gone before the cleaner's runs below: their unused auto-generated tokens would be its to mark.
    afterAll(async () => {
      await kubectl(['delete', 'namespace', NS, RACE, '--ignore-not-found', '--wait=true', '--timeout=300s']).catch(() => undefined);
    }, 6 * 60_000);

    test('the real authenticator labels each used Secret with today, and not the unused ones', async () => {
      for (const s of ['web-token', 'worker-token', 'batch-token']) {
        expect(await until(`${LAST_USED} on ${s}`, 60_000, () => labelOf(NS, s, LAST_USED))).toBe(today());
      }
      expect(await labelOf(NS, 'idle-token', LAST_USED)).toBeUndefined();
      expect(await labelOf(NS, 'manual-token', LAST_USED)).toBeUndefined();
    }, 240_000);

    test('the dry run reads the real tracking ConfigMap and plans what the emulator tests expect', async () => {
      const since = (await json(['get', ...TRACKING])).data.since;
      expect(since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const { run, body, bySecret } = await report(NS);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/dry run: nothing was changed/) });
      expect(body.trackingSince).toBe(since);
      expect(Object.fromEntries(Object.entries(bySecret).map(([k, v]) => [k, v.action]))).toEqual({
        'web-token': 'switch-to-projected',
        'worker-token': 'switch-to-projected',
        'batch-token': 'replace-with-tokenrequest',
        'idle-token': 'delete',
        'manual-token': 'keep',
      });
      const web = bySecret['web-token'];
      expect(web.owners).toEqual([{ kind: 'Deployment', name: 'web', namespace: NS, apiVersion: 'apps/v1' }]);
      expect(web.mountedBy).toEqual([{ namespace: NS, name: webPod, how: 'volume token' }]);
      expect(web.lastUsed).toBe(today());
      const worker = bySecret['worker-token'];
      expect(worker.envReferencedBy).toEqual([{ namespace: NS, name: await runningPod(NS, 'worker'), how: 'env TOKEN (container app)' }]);
      expect(worker.owners).toEqual([{ kind: 'Deployment', name: 'worker', namespace: NS, apiVersion: 'apps/v1' }]);
      expect(bySecret['batch-token']).toMatchObject({ lastUsed: today(), mountedBy: [], envReferencedBy: [], autoGenerated: true });
      expect(bySecret['manual-token']).toMatchObject({ autoGenerated: false, cleanupDate: null, invalidationDate: null });
      // The cleaner's calendar for the unused auto-generated one (365 d period): it acts from the day
      // after `since` plus a period, and on Secrets created more than a period ago (the cleaner's
      // trackedSince+1 day and creationTimestamp rules), then deletes a period and a day later.
      const idle = bySecret['idle-token'];
      const created = Date.parse((await json(['-n', NS, 'get', 'secret', 'idle-token'])).metadata.creationTimestamp);
      const invalidation = Math.max(Date.parse(`${since}T00:00:00Z`) + DAY + 365 * DAY, created + 365 * DAY + 1);
      expect(idle).toMatchObject({ autoGenerated: true, lastUsed: null, invalidSince: null, invalidationDate: dateOf(invalidation) });
      expect(idle.cleanupDate).toBe(dateOf(Date.parse(`${dateOf(invalidation)}T00:00:00Z`) + 366 * DAY));
      expect(run.stdout).not.toMatch(/eyJ/);
    }, 120_000);

    test('--apply patches the Deployment to a projected token, deletes only the unused Secret, and the rollout runs with a working bound token', async () => {
      for (const d of ['web', 'worker']) before[`deployment/${d}`] = await json(['-n', NS, 'get', 'deployment', d]);
      for (const s of ['web-token', 'worker-token', 'idle-token', 'batch-token', 'manual-token']) before[`secret/${s}`] = await json(['-n', NS, 'get', 'secret', s]);
      for (const sa of ['web', 'worker', 'idle', 'batch']) before[`serviceaccount/${sa}`] = await json(['-n', NS, 'get', 'serviceaccount', sa]);
      const backup = path.join(work, 'backup-1');
      const { run, body } = await report(NS, ['--apply', '--yes', '--backup-dir', backup]);
      expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
      const steps = Object.fromEntries(body.applied.results.map((x: any) => [`${x.secret} ${x.step}`, `${x.result}: ${x.why}`]));
      expect(steps).toMatchObject({
        'web-token patch deployment/web': expect.stringMatching(/^done/),
        'idle-token delete secret/idle-token': expect.stringMatching(/^done/),
      });
      expect(Object.keys(steps).filter((k) => / delete secret\//.test(k))).toEqual(['idle-token delete secret/idle-token']);
      // The app reading the token from env: one step for a person, to read the file instead; no volume to swap.
      expect(Object.keys(steps).filter((k) => k.startsWith('worker-token '))).toEqual([
        expect.stringMatching(/^worker-token by hand: change the app to read \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token instead of the env var \(env TOKEN \(container app\); deployment\/worker env TOKEN \(container app\); replicaset\/worker-[a-z0-9]+ env TOKEN \(container app\)\)$/),
      ]);
      expect(body.applied.results.filter((x: any) => x.result === 'failed')).toEqual([]);
      // Every Secret a workload or a recent use holds stays.
      const left = (await json(['-n', NS, 'get', 'secrets', '--field-selector', 'type=kubernetes.io/service-account-token'])).items.map((s: any) => s.metadata.name).sort();
      expect(left).toEqual(['batch-token', 'manual-token', 'web-token', 'worker-token']);

      await kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=240s']);
      const dep = await json(['-n', NS, 'get', 'deployment', 'web']);
      expect(dep.spec.template.spec.volumes).toEqual([{
        name: 'token',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      }]);
      const pod = await until('the old pod of web to go', 180_000, async () => {
        const p = await runningPod(NS, 'web');
        return p !== webPod ? p : undefined;
      });
      // The kubelet's token: bound to the new pod, accepted by the real authenticator, and the app's own calls work with it.
      const token = (await kubectl(['-n', NS, 'exec', pod, '--', 'cat', `${DIR}/token`])).stdout.trim();
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims['kubernetes.io'].pod.name).toBe(pod);
      const review = await tokenReview(token);
      expect(review).toMatchObject({ authenticated: true, user: { username: `system:serviceaccount:${NS}:web` } });
      expect(await callApi(kc, token)).toBe(200);
      const diag = await satoken(['diagnose', pod, '-n', NS, '-o', 'json']);
      const checks = Object.fromEntries(JSON.parse(diag.stdout).checks.map((c: any) => [c.id, c.status]));
      expect({ code: diag.code, token: checks['token-authenticates'], legacy: checks['legacy-secret'] }).toEqual({ code: 0, token: 'pass', legacy: 'pass' });
    }, 10 * 60_000);

    test('after the rollout, the old ReplicaSet\'s template still holds the Secret: a rerun keeps it, and deletes the one used only by a finished pod when --unused-for allows', async () => {
      // The old pod still mounts the Secret until it is gone (graceful deletion can outlast the
      // rollout on a loaded machine), and the plan rightly counts it: wait for it first.
      await until('the old ReplicaSet\'s pod of web to be gone', 180_000, async () => {
        const pods = JSON.parse((await kubectl(['-n', NS, 'get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout).items;
        return pods.length === 1 && !pods[0].metadata.deletionTimestamp ? true : undefined;
      });
      const { bySecret } = await report(NS);
      expect(bySecret['web-token']).toMatchObject({ mountedBy: [], action: 'switch-to-projected' });
      expect(bySecret['web-token'].templateReferencedBy.map((t: any) => t.kind)).toEqual(['ReplicaSet']);
      const backup = path.join(work, 'backup-2');
      const { run, body } = await report(NS, ['--apply', '--yes', '--unused-for', '0d', '--backup-dir', backup]);
      expect(run.code).toBe(0);
      const steps = Object.fromEntries(body.applied.results.map((x: any) => [`${x.secret} ${x.step}`, x.result]));
      expect(Object.keys(steps).filter((k) => / delete secret\//.test(k))).toEqual(['batch-token delete secret/batch-token']);
      expect(steps['batch-token delete secret/batch-token']).toBe('done');
      const plan = body.items.find((i: any) => i.secret === 'web-token');
      const oldRs = bySecret['web-token'].templateReferencedBy[0].name;
      expect(plan.reason).toContain(`replicaset/${oldRs} (0 replicas, of deployment/web)`);
      const left = (await json(['-n', NS, 'get', 'secrets', '--field-selector', 'type=kubernetes.io/service-account-token'])).items.map((s: any) => s.metadata.name).sort();
      expect(left).toEqual(['manual-token', 'web-token', 'worker-token']);
    }, 5 * 60_000);

    test('--restore brings every object back as it was', async () => {
      for (const dir of ['backup-2', 'backup-1']) {
        const r = await satoken(['migrate-legacy', '--restore', path.join(work, dir), '-o', 'json']);
        expect({ code: r.code, failed: JSON.parse(r.stdout).results.filter((x: any) => x.result !== 'restored') }).toEqual({ code: 0, failed: [] });
      }
      const comparable = (o: any) => {
        const { uid: _u, resourceVersion: _rv, creationTimestamp: _c, managedFields: _m, generation: _g, annotations = {}, ...meta } = o.metadata;
        const { 'deployment.kubernetes.io/revision': _rev, 'kubectl.kubernetes.io/last-applied-configuration': _last, ...kept } = annotations;
        return { ...o, metadata: { ...meta, annotations: kept }, status: undefined };
      };
      for (const [what, was] of Object.entries(before)) {
        const now = await json(['-n', NS, 'get', what]);
        expect({ what, object: comparable(now) }).toEqual({ what, object: comparable(was) });
      }
      // The restored tokens are the same credentials, accepted again.
      const restored = await json(['-n', NS, 'get', 'secret', 'idle-token']);
      const review = await tokenReview(Buffer.from(restored.data.token, 'base64').toString('utf8'));
      expect(review).toMatchObject({ authenticated: true, user: { username: `system:serviceaccount:${NS}:idle` } });
      await kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=240s']);
    }, 5 * 60_000);

    test('an object changed between the plan and the write is refused by the real API server (resourceVersion precondition, JSON patch test)', async () => {
      await freshNamespace(RACE);
      await autoGenerated(RACE, 'old', 'old-token');
      await autoGenerated(RACE, 'app', 'app-token');
      // A workload at 0 replicas still uses its Secret: its template is patched, its Secret stays.
      await apply(((d) => ({ ...d, spec: { ...d.spec, replicas: 0 } }))(deployment(RACE, 'app', {
        containers: [container(['sleep', '3600'], { volumeMounts: [{ name: 'token', mountPath: DIR, readOnly: true }] })],
        volumes: [{ name: 'token', secret: { secretName: 'app-token' } }],
      })));
      let secretRead = false;
      const changed: string[] = [];
      const proxy = await interpose(kc, cluster().runDir, work, async (method, p) => {
        const route = p.split('?')[0];
        if (method === 'GET' && route === `/api/v1/namespaces/${RACE}/secrets/old-token`) secretRead = true;
        // The last request before the DELETE: the plugin has re-read the Secret; someone labels it now.
        if (method === 'GET' && route === `/api/v1/namespaces/${RACE}/pods` && secretRead && !changed.includes('secret')) {
          changed.push('secret');
          await kubectl(['-n', RACE, 'label', 'secret', 'old-token', 'touched=yes']);
        }
        // Just before the guarded PATCH: someone points the Deployment at another Secret.
        if (method === 'PATCH' && route === `/apis/apps/v1/namespaces/${RACE}/deployments/app` && !changed.includes('deployment')) {
          changed.push('deployment');
          await kubectl(['-n', RACE, 'patch', 'deployment', 'app', '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/volumes/0/secret/secretName', value: 'elsewhere' }])]);
        }
      });
      try {
        const { run, body } = await report(RACE, ['--apply', '--yes', '--backup-dir', path.join(work, 'backup-race')], proxy.kubeconfig);
        expect(changed.sort()).toEqual(['deployment', 'secret']);
        expect(run.code).toBe(0);
        const steps = Object.fromEntries(body.applied.results.map((x: any) => [`${x.secret} ${x.step}`, `${x.result}: ${x.why}`]));
        expect(steps['old-token delete secret/old-token']).toBe('skipped: changed since the scan (precondition failed); rerun to re-plan');
        expect(steps['app-token patch deployment/app']).toMatch(/^skipped: changed since the scan: /);
        // The refusals came from the real API server: 409 on the DELETE, 422 on the PATCH.
        const answered = proxy.exchanges.filter((x) => x.method === 'DELETE' || x.method === 'PATCH').map((x) => `${x.method} ${x.path.split('?')[0]} ${x.status}`);
        expect(answered).toEqual([
          `PATCH /apis/apps/v1/namespaces/${RACE}/deployments/app 422`,
          `DELETE /api/v1/namespaces/${RACE}/secrets/old-token 409`,
        ]);
      } finally {
        await proxy.close();
      }
      const secret = await json(['-n', RACE, 'get', 'secret', 'old-token']);
      expect(secret.metadata.labels.touched).toBe('yes');
      const dep = await json(['-n', RACE, 'get', 'deployment', 'app']);
      expect(dep.spec.template.spec.volumes[0].secret.secretName).toBe('elsewhere');
    }, 5 * 60_000);
  });

  describe('the legacy token cleaner, synthetic-time', () => {
    let originalSince: string;
    let changedKcm = false;

    /**
     * Restarts kube-controller-manager with `args` appended, keeping kube-apiserver as it runs now
     * (reconfigure is declarative: what it is not given goes back to the start-up flags).
     */
    async function controllerManager(args: string[]): Promise<void> {
      const now = await cluster().controlStatus();
      changedKcm = true;
      const answer = await cluster().reconfigure({ profile: now.profile, apiserverArgs: now.apiserverArgs, controllerManagerArgs: args });
      expect(answer.controllerManagerArgs).toEqual(args);
    }

    beforeAll(async () => {
      await awayFromMidnight();
      originalSince = (await json(['get', ...TRACKING])).data.since;
      await freshNamespace(CLEAN);
    }, 5 * 60_000);

    afterAll(async () => {
      if (changedKcm) await controllerManager([]).catch((e) => process.stderr.write(`restoring the controller-manager: ${e}\n`));
      if (originalSince) await kubectl(['patch', ...TRACKING, '--type', 'merge', '-p', JSON.stringify({ data: { since: originalSince } })]).catch(() => undefined);
      await kubectl(['delete', 'namespace', CLEAN, '--ignore-not-found', '--wait=false']).catch(() => undefined);
    }, 5 * 60_000);

    test('synthetic-time: the real cleaner marks the unused token invalid and deletes the expired one, as migrate-legacy predicted; the marked token is refused and diagnose says why', async () => {
      // The cleaner's inputs, set as the system itself stores them:
      //  - the tracking ConfigMap's `since` (read by latestPossibleTrackedSinceTime): 60 days ago, so
      //    tracking has run longer than any period; the apiserver rewrites it only when missing or
      //    malformed (k/k pkg/controlplane/controller/legacytokentracking/controller.go syncConfigMap);
      //  - `kubernetes.io/legacy-token-last-used` (evaluateSATokens, `lastUsed >= preserveUsedOnOrAfter`);
      //  - `kubernetes.io/legacy-token-invalid-since` (evaluateSATokens, `invalidSince >= preserveUsedOnOrAfter`).
      // creationTimestamp cannot be set: the Secrets are made first and the period is short.
      const now = Date.now();
      await kubectl(['patch', ...TRACKING, '--type', 'merge', '-p', JSON.stringify({ data: { since: dateOf(now - 60 * DAY) } })]);
      for (const sa of ['unused', 'stale', 'expired', 'mounted', 'fresh', 'odd', 'weird']) await autoGenerated(CLEAN, sa, `${sa}-token`);
      await apply(tokenSecret(CLEAN, 'manual-token', 'unused'));
      await apply(tokenSecret(CLEAN, 'odd-manual', 'odd'));
      // Label values that are not dates: the authenticator refuses a token whose invalid-since label
      // is set at all (k/k pkg/serviceaccount/legacy.go); the cleaner labels such a Secret again, and
      // skips one whose last-used label it cannot parse.
      await kubectl(['-n', CLEAN, 'label', 'secret', 'odd-token', 'odd-manual', `${INVALID_SINCE}=yes`]);
      await kubectl(['-n', CLEAN, 'label', 'secret', 'weird-token', `${LAST_USED}=someday`]);
      await kubectl(['-n', CLEAN, 'label', 'secret', 'stale-token', `${LAST_USED}=${dateOf(now - 40 * DAY)}`]);
      await kubectl(['-n', CLEAN, 'label', 'secret', 'expired-token', `${LAST_USED}=${dateOf(now - 40 * DAY)}`, `${INVALID_SINCE}=${dateOf(now - 10 * DAY)}`]);
      await kubectl(['-n', CLEAN, 'label', 'secret', 'fresh-token', `${LAST_USED}=${dateOf(now)}`]);
      await apply({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'holder', namespace: CLEAN },
        spec: {
          serviceAccountName: 'mounted', terminationGracePeriodSeconds: 1,
          containers: [container(['sleep', '3600'], { volumeMounts: [{ name: 'token', mountPath: DIR, readOnly: true }] })],
          volumes: [{ name: 'token', secret: { secretName: 'mounted-token' } }],
        },
      });
      await until('pod holder to run', 180_000, async () => ((await json(['-n', CLEAN, 'get', 'pod', 'holder'])).status.phase === 'Running' ? true : undefined));

      // What the plugin predicts with the period the controller-manager is about to get (30 s).
      const { body: predictedBody, bySecret: predicted } = await report(CLEAN, ['--clean-up-period', '30s']);
      expect(predictedBody.trackingSince).toBe(dateOf(now - 60 * DAY));
      expect(predicted['unused-token']).toMatchObject({ action: 'delete', invalidSince: null, invalidationDate: today() });
      expect(predicted['stale-token']).toMatchObject({ action: 'delete', invalidSince: null, invalidationDate: today() });
      expect(predicted['expired-token']).toMatchObject({ action: 'delete', invalidSince: dateOf(now - 10 * DAY) });
      expect(predicted['expired-token'].cleanupDate <= today()).toBe(true);
      expect(predicted['mounted-token']).toMatchObject({ action: 'switch-to-projected', invalidationDate: null, cleanupDate: null });
      expect(predicted['manual-token']).toMatchObject({ action: 'keep', invalidationDate: null, cleanupDate: null });
      expect(predicted['fresh-token'].action).toBe('replace-with-tokenrequest');
      expect(predicted['fresh-token'].invalidationDate > today()).toBe(true);
      expect(predicted['odd-token']).toMatchObject({ action: 'delete', invalidSince: 'yes', invalidationDate: today() });
      expect(predicted['weird-token']).toMatchObject({ action: 'delete', invalidationDate: null, cleanupDate: null });
      expect(predicted['odd-manual']).toMatchObject({ action: 'review', invalidSince: 'yes' });
      const odd = await json(['-n', CLEAN, 'get', 'secret', 'odd-manual']);
      const oddReview = await tokenReview(Buffer.from(odd.data.token, 'base64').toString('utf8'));
      expect({ authenticated: oddReview.authenticated ?? false, error: oddReview.error }).toEqual({ authenticated: false, error: expect.stringMatching(/has been marked invalid/) });

      // Secrets must be older than the period when the cleaner runs (creationTimestamp rule).
      const newest = Math.max(...(await json(['-n', CLEAN, 'get', 'secrets'])).items.map((s: any) => Date.parse(s.metadata.creationTimestamp)));
      await sleep(Math.max(0, newest + 31_000 - Date.now()));
      await controllerManager(['--legacy-service-account-token-clean-up-period=30s']);

      await until('the cleaner to delete expired-token', 180_000, async () => {
        const r = await withEnv(kc, 'kubectl', ['-n', CLEAN, 'get', 'secret', 'expired-token', '-o', 'name']);
        return /NotFound/.test(r.stderr) ? true : undefined;
      });
      expect(await until('invalid-since on unused-token', 120_000, () => labelOf(CLEAN, 'unused-token', INVALID_SINCE))).toBe(today());
      expect(await until('invalid-since on stale-token', 120_000, () => labelOf(CLEAN, 'stale-token', INVALID_SINCE))).toBe(today());
      expect(await until('odd-token labelled again', 120_000, async () => ((await labelOf(CLEAN, 'odd-token', INVALID_SINCE)) === today() ? today() : undefined))).toBe(today());
      // Mounted, manual, recently used, unparseable last-used: never touched.
      for (const s of ['mounted-token', 'manual-token', 'fresh-token', 'weird-token']) expect({ s, label: await labelOf(CLEAN, s, INVALID_SINCE) }).toEqual({ s, label: undefined });
      expect(await labelOf(CLEAN, 'odd-manual', INVALID_SINCE)).toBe('yes');

      // migrate-legacy on what the cleaner did.
      const { run, bySecret: after } = await report(CLEAN, ['--clean-up-period', '30s']);
      expect(run.code).toBe(0);
      expect(after['expired-token']).toBeUndefined();
      expect(after['unused-token']).toMatchObject({ action: 'delete', invalidSince: today(), invalidationDate: today() });
      expect(after['unused-token'].reason).toMatch(new RegExp(`already invalid since ${today()}`));
      // Deleted once invalid-since is before the day of now - period: from tomorrow.
      const tomorrow = dateOf(Date.parse(`${today()}T00:00:00Z`) + DAY);
      expect(after['unused-token'].cleanupDate).toBe(tomorrow);

      // The real authenticator refuses the marked token (k/k pkg/serviceaccount/legacy.go), and
      // writes the day of the attempt all the same: deletion then waits for that day to age too.
      const marked = await json(['-n', CLEAN, 'get', 'secret', 'unused-token']);
      const review = await tokenReview(Buffer.from(marked.data.token, 'base64').toString('utf8'));
      expect(review.authenticated).toBeFalsy();
      expect(review.error).toMatch(/has been marked invalid/);
      expect(await until('last-used on the refused token', 60_000, () => labelOf(CLEAN, 'unused-token', LAST_USED))).toBe(today());
      const { bySecret: tried } = await report(CLEAN, ['--clean-up-period', '30s', '--unused-for', '0d']);
      expect(tried['unused-token']).toMatchObject({ lastUsed: today(), invalidSince: today(), cleanupDate: tomorrow });

      // A pod that mounts the token the cleaner marked: diagnose fails the legacy-secret check, naming the label.
      await apply({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: CLEAN },
        spec: {
          serviceAccountName: 'unused', terminationGracePeriodSeconds: 1,
          containers: [container(['sleep', '3600'], { volumeMounts: [{ name: 'token', mountPath: DIR, readOnly: true }] })],
          volumes: [{ name: 'token', secret: { secretName: 'unused-token' } }],
        },
      });
      await until('pod late to run', 180_000, async () => ((await json(['-n', CLEAN, 'get', 'pod', 'late'])).status.phase === 'Running' ? true : undefined));
      const diag = await satoken(['diagnose', 'late', '-n', CLEAN, '-o', 'json']);
      const checks = Object.fromEntries(JSON.parse(diag.stdout).checks.map((c: any) => [c.id, c]));
      expect(diag.code).toBe(3);
      expect(checks['legacy-secret'].status).toBe('fail');
      expect(checks['legacy-secret'].message ?? checks['legacy-secret'].summary).toMatch(/labelled kubernetes\.io\/legacy-token-invalid-since/);
      expect(checks['token-authenticates'].status).toBe('fail');
      const { run: broken, bySecret: withPod } = await report(CLEAN, ['--clean-up-period', '30s']);
      expect(broken.code).toBe(3);
      expect(withPod['unused-token']).toMatchObject({ action: 'switch-to-projected', invalidSince: today(), cleanupDate: null });
      expect(withPod['unused-token'].reason).toMatch(/already invalid since/);
      await kubectl(['-n', CLEAN, 'delete', 'pod', 'late', '--wait=true']);

      // One it is about to delete: labelled as the cleaner would have labelled it yesterday. The
      // plugin says today; the next run of the real cleaner (the next start) deletes it.
      await kubectl(['-n', CLEAN, 'label', '--overwrite', 'secret', 'stale-token', `${INVALID_SINCE}=${dateOf(Date.now() - DAY)}`]);
      const { bySecret: due } = await report(CLEAN, ['--clean-up-period', '30s']);
      expect(due['stale-token']).toMatchObject({ action: 'delete', cleanupDate: today() });
      await controllerManager(['--legacy-service-account-token-clean-up-period=31s']);
      await until('the cleaner to delete stale-token', 180_000, async () => {
        const r = await withEnv(kc, 'kubectl', ['-n', CLEAN, 'get', 'secret', 'stale-token', '-o', 'name']);
        return /NotFound/.test(r.stderr) ? true : undefined;
      });
      // unused-token was labelled today: not yet.
      expect(await labelOf(CLEAN, 'unused-token', INVALID_SINCE)).toBe(today());
    }, 20 * 60_000);
  });
});
