/**
 * The real tier's smoke test: `npm run cluster -- --real` starts a single-node Kubernetes built from
 * upstream sources (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
 * containerd, runc), and with nothing but its kubectl and the built plugin we check what the emulator
 * can only imitate: controllers rolling out a Deployment, the kubelet's projected token and its
 * `..data` layout, TokenReview by the real authenticator, and the plugin's verdicts on both.
 * The cluster is the run's shared one (sharedCluster()); the tests run in order against it in the
 * namespaces real-smoke and real-smoke-diff, which the file deletes when it ends.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { realTierUnavailable } from './gate';
import { pinned, repo, kubectlIn, withEnv as runWithEnv, type Run } from './support/cluster';
import { realRequest as sharedRealRequest, type RealResponse } from './support/real-api';
import { sharedCluster } from './support/shared';

const skip = realTierUnavailable();
const NS = 'real-smoke';
/** The differential tests' namespace, the same name on both backends. */
const DNS = 'real-smoke-diff';
const POD_TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

let kubeconfig: string;
let auditLog: string;
let pod: string;
let token: string;

/** Runs `cmd args` in a shell that sourced the cluster's env file first, as a user would. */
const withEnv = (cmd: string, args: string[], input?: string, timeout?: number): Promise<Run> => runWithEnv(kubeconfig, cmd, args, input, timeout);

const kubectl = (args: string[], input?: string): Promise<Run> => kubectlIn(kubeconfig, args, input);

function jwtPayload(jwt: string): any {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

async function tokenReview(t: string): Promise<any> {
  const r = await kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } }));
  return JSON.parse(r.stdout).status;
}

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * A request to the real cluster: as the admin (the kubeconfig's client certificate), or with a
 * bearer token and no certificate when one is given.
 */
const realRequest = (method: string, p: string, body?: unknown, bearer?: string): Promise<RealResponse> =>
  sharedRealRequest(kubeconfig, method, p, { body, bearer });

async function realReview(t: string): Promise<any> {
  return (await realRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } })).body.status;
}

function checksById(stdout: string): Record<string, any> {
  return Object.fromEntries(JSON.parse(stdout).checks.map((c: any) => [c.id, c]));
}

// One plain line when the tier cannot run here, whatever the reporter (a skipped suite prints nothing).
if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`real cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cluster = sharedCluster();

  beforeAll(async () => {
    ({ kubeconfig, auditLog } = cluster());
    expect(cluster().url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // A long-running cluster may still hold them from an earlier run of this file.
    await kubectl(['delete', 'namespace', NS, DNS, '--ignore-not-found', '--wait=true', '--timeout=240s']);
  }, 300_000);

  afterAll(async () => {
    if (kubeconfig) await withEnv('kubectl', ['delete', 'namespace', NS, DNS, '--ignore-not-found', '--wait=false']);
  }, 60_000);

  test('kubectl version reports the pinned upstream release', async () => {
    const v = JSON.parse((await kubectl(['version', '-o', 'json'])).stdout);
    expect(v.serverVersion.gitVersion).toBe(pinned);
    expect(v.clientVersion.gitVersion).toBe(pinned);
  });

  test('the node is Ready and reports its kubelet and containerd 2.x', async () => {
    // The kubelet's node is named after its address; other files on a shared cluster may add Node
    // objects of their own (a node without a kubelet), so it is picked by name.
    const nodes = JSON.parse((await kubectl(['get', 'nodes', '-o', 'json'])).stdout).items;
    const node = nodes.find((n: any) => n.metadata.name === '127.0.0.1');
    const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
    expect(ready.status).toBe('True');
    expect(node.status.nodeInfo.kubeletVersion).toBe(pinned);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./);
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
    // The log holds every file's traffic on a shared cluster: only lines naming the token subresource are parsed.
    const entries = readFileSync(auditLog, 'utf8').split('\n').filter((l) => l.includes('"subresource":"token"')).map((l) => JSON.parse(l));
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
      ['a request uid other than the ServiceAccount\'s', 'app', { metadata: { uid: '00000000-0000-4000-8000-000000000000' }, spec: {} }],
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

    // Requests as a ServiceAccount: a fresh token on each side, sent as the bearer (no client certificate).
    const mintBoth = async (sa: string) => {
      const r = await tokenRequest(sa, { spec: {} });
      expect([r.real.status, r.emu.status]).toEqual([201, 201]);
      return { real: r.real.body.status.token as string, emu: r.emu.body.status.token as string };
    };
    const asBoth = async (t: { real: string; emu: string }, method: string, p: string, body?: unknown) => {
      const [real, emu] = await Promise.all([realRequest(method, p, body, t.real), emulator.request(method, p, { token: t.emu, body })]);
      return { real: { status: real.status, body: real.body }, emu: { status: emu.status, body: emu.body } };
    };
    /** A JSON value with every uid and RFC 3339 time replaced, for answers that are otherwise the same on both. */
    const normalised = (v: unknown) => JSON.parse(JSON.stringify(v ?? null).replace(UIDS, '<uid>').replace(/"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"/g, '"<time>"'));
    const SA_USER = `system:serviceaccount:${DNS}:app`;

    test('TokenRequest granted: the answer (token aside) and the token\'s header and claims, times and uids normalised', async () => {
      const r = await tokenRequest('app', { spec: { audiences: ['https://kubernetes.default.svc.cluster.local'] } });
      expect([r.real.status, r.emu.status]).toEqual([201, 201]);
      const [saReal, saEmu] = await Promise.all([realRequest('GET', `/api/v1/namespaces/${DNS}/serviceaccounts/app`),
        emulator.adminRequest('GET', `/api/v1/namespaces/${DNS}/serviceaccounts/app`)]);
      // managedFields are not emulated (the README's "Not emulated").
      const { managedFields: _mf, ...realMeta } = r.real.body.metadata;
      expect(_mf).toBeDefined();
      const shape = (b: any, meta: any, saUid: string) => {
        const [h, p] = b.status.token.split('.').slice(0, 2).map((x: string) => JSON.parse(Buffer.from(x, 'base64url').toString('utf8')));
        return {
          uidIsTheServiceAccounts: meta.uid === saUid,
          answer: normalised({ ...b, metadata: meta, status: { ...b.status, token: '<token>' } }),
          header: { ...h, kid: /^[A-Za-z0-9_-]{43}$/.test(h.kid) },
          claims: normalised({ ...p, exp: p.exp - p.iat, iat: typeof p.iat, nbf: p.nbf - p.iat }),
        };
      };
      expect(shape(r.real.body, realMeta, saReal.body.metadata.uid).uidIsTheServiceAccounts).toBe(true);
      expect(shape(r.emu.body, r.emu.body.metadata, saEmu.body.metadata.uid)).toEqual(shape(r.real.body, realMeta, saReal.body.metadata.uid));
    });

    test('SelfSubjectReview with a ServiceAccount token: the whole answer, uids normalised', async () => {
      const t = await mintBoth('app');
      const r = await asBoth(t, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      expect(r.real.status).toBe(201);
      expect(r.real.body.status.userInfo.username).toBe(SA_USER);
      expect({ status: r.emu.status, body: normalised(r.emu.body) }).toEqual({ status: r.real.status, body: normalised(r.real.body) });
    });

    test.each([
      ['denied: list pods', { namespace: DNS, verb: 'list', resource: 'pods' }],
      ['denied: get a secret', { namespace: DNS, verb: 'get', resource: 'secrets', name: 'x' }],
      ['allowed by system:basic-user: create selfsubjectreviews', { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' }],
    ])('SubjectAccessReview for a ServiceAccount, %s: allowed and reason', async (_what, resourceAttributes) => {
      const r = await both('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: SA_USER, groups: ['system:serviceaccounts', `system:serviceaccounts:${DNS}`, 'system:authenticated'], resourceAttributes } });
      expect(r.real.status).toBe(201);
      expect({ status: r.emu.status, review: r.emu.body.status }).toEqual({ status: r.real.status, review: r.real.body.status });
    });

    test('SelfSubjectAccessReview with a ServiceAccount token: a denial and an allowance', async () => {
      const t = await mintBoth('app');
      for (const resourceAttributes of [{ namespace: DNS, verb: 'list', resource: 'secrets' }, { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' }]) {
        const r = await asBoth(t, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } });
        expect(r.real.status).toBe(201);
        expect({ status: r.emu.status, review: r.emu.body.status }).toEqual({ status: r.real.status, review: r.real.body.status });
      }
    });

    test('401 for a bearer token that does not authenticate: garbage, and a token for another audience (the whole Status)', async () => {
      const foreign = await tokenRequest('app', { spec: { audiences: ['https://elsewhere.example'] } });
      expect([foreign.real.status, foreign.emu.status]).toEqual([201, 201]);
      for (const t of [{ real: 'not-a-jwt', emu: 'not-a-jwt' }, { real: foreign.real.body.status.token, emu: foreign.emu.body.status.token }]) {
        const r = await asBoth(t, 'GET', `/api/v1/namespaces/${DNS}/pods`);
        expect(r.real.status).toBe(401);
        expect({ status: r.emu.status, body: r.emu.body }).toEqual({ status: r.real.status, body: r.real.body });
      }
    });

    test.each([
      ['list pods in a namespace', `/api/v1/namespaces/${DNS}/pods`],
      ['get a named pod', `/api/v1/namespaces/${DNS}/pods/web`],
      ['list secrets at the cluster scope', '/api/v1/secrets'],
      ['get a node', '/api/v1/nodes/somewhere'],
      ['list deployments (group apps)', `/apis/apps/v1/namespaces/${DNS}/deployments`],
    ])('RBAC 403 for a ServiceAccount token: %s (the whole Status)', async (_what, p) => {
      const t = await mintBoth('app');
      const r = await asBoth(t, 'GET', p);
      expect(r.real.status).toBe(403);
      expect({ status: r.emu.status, body: r.emu.body }).toEqual({ status: r.real.status, body: r.real.body });
    });

    describe('pod admission: the ServiceAccount token volume', () => {
      // Scheduling gates keep the real pods unscheduled: admission is all that is compared.
      const pod = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: {
        schedulingGates: [{ name: 'satoken.invalid/hold' }], terminationGracePeriodSeconds: 0,
        containers: [{ name: 'a', image: 'localhost/busybox:kt', imagePullPolicy: 'Never' }, { name: 'b', image: 'localhost/busybox:kt', imagePullPolicy: 'Never' }],
        initContainers: [{ name: 'i', image: 'localhost/busybox:kt', imagePullPolicy: 'Never' }],
        ...spec } });
      // The volume's 5-character suffix is random (names.SimpleNameGenerator); anything else stays.
      const volName = (n: string) => n.replace(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/, 'kube-api-access-<x>');
      const shape = (p: any) => ({
        // A gated pod: Pending, PodScheduled False (SchedulingGated), no node.
        status: normalised(p.status), nodeName: p.spec.nodeName,
        serviceAccountName: p.spec.serviceAccountName, serviceAccount: p.spec.serviceAccount, automountServiceAccountToken: p.spec.automountServiceAccountToken,
        volumes: (p.spec.volumes ?? []).map((v: any) => ({ ...v, name: volName(v.name) })),
        mounts: [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c: any) => ({ name: c.name, volumeMounts: (c.volumeMounts ?? []).map((m: any) => ({ ...m, name: volName(m.name) })) })),
      });

      beforeAll(async () => {
        const r = await both('POST', `/api/v1/namespaces/${DNS}/serviceaccounts`, { metadata: { name: 'noauto' }, automountServiceAccountToken: false });
        expect([r.real.status, r.emu.status]).toEqual([201, 201]);
      });

      test.each([
        ['the default: one projected volume, mounted read-only in every container', 'plain', { serviceAccountName: 'app' }],
        ['no ServiceAccount named: default', 'nosa', {}],
        ['the pod says automount false', 'podfalse', { serviceAccountName: 'app', automountServiceAccountToken: false }],
        ['the ServiceAccount says automount false', 'safalse', { serviceAccountName: 'noauto' }],
        ['the pod says true over the ServiceAccount\'s false', 'podtrue', { serviceAccountName: 'noauto', automountServiceAccountToken: true }],
        ['only the deprecated serviceAccount field', 'oldfield', { serviceAccount: 'app' }],
        ['a projected token of its own (an audience for a cloud)', 'aud', { serviceAccountName: 'app',
          volumes: [{ name: 'cloud', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 'token' } }] } }] }],
        ['a container already mounts the token path', 'own', { serviceAccountName: 'app', volumes: [{ name: 'own', emptyDir: {} }],
          containers: [{ name: 'a', image: 'localhost/busybox:kt', imagePullPolicy: 'Never', volumeMounts: [{ name: 'own', mountPath: POD_TOKEN_DIR }] },
            { name: 'b', image: 'localhost/busybox:kt', imagePullPolicy: 'Never' }] }],
      ])('%s', async (_what, name, spec) => {
        const r = await both('POST', `/api/v1/namespaces/${DNS}/pods`, pod(name, spec));
        expect(r.real.status).toBe(201);
        expect({ status: r.emu.status, pod: shape(r.emu.body) }).toEqual({ status: r.real.status, pod: shape(r.real.body) });
      });

      test('a pod naming a missing ServiceAccount is refused (the whole Status)', async () => {
        const r = await both('POST', `/api/v1/namespaces/${DNS}/pods`, pod('ghostly', { serviceAccountName: 'ghost' }));
        expect(r.real.status).toBe(403);
        expect({ status: r.emu.status, body: r.emu.body }).toEqual({ status: r.real.status, body: r.real.body });
      });
    });

    describe('legacy token Secrets', () => {
      const getBoth = (p: string) => both('GET', p);
      /** The Secret once the token controller filled it, on each side (the real one fills it asynchronously). */
      const filled = async (name: string) => {
        const p = `/api/v1/namespaces/${DNS}/secrets/${name}`;
        const deadline = Date.now() + 30_000;
        let r = await getBoth(p);
        while ((!r.real.body.data?.token || !r.emu.body.data?.token) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 500));
          r = await getBoth(p);
        }
        return r;
      };
      const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
      const jwtHeader = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));

      test('the token controller fills token, ca.crt and namespace; the token\'s header and claims', async () => {
        const c = await both('POST', `/api/v1/namespaces/${DNS}/secrets`, { metadata: { name: 'legacy', annotations: { 'kubernetes.io/service-account.name': 'app' } },
          type: 'kubernetes.io/service-account-token' });
        expect([c.real.status, c.emu.status]).toEqual([201, 201]);
        const r = await filled('legacy');
        const shape = (s: any) => {
          const tok = decode(s.data.token);
          return {
            type: s.type, dataKeys: Object.keys(s.data).sort(), namespace: decode(s.data.namespace),
            ca: /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/.test(decode(s.data['ca.crt'])),
            annotations: normalised(s.metadata.annotations), labels: s.metadata.labels,
            header: { ...jwtHeader(tok), kid: /^[A-Za-z0-9_-]{43}$/.test(jwtHeader(tok).kid) }, claims: normalised(jwtPayload(tok)),
          };
        };
        expect(shape(r.real.body).dataKeys).toEqual(['ca.crt', 'namespace', 'token']);
        expect(shape(r.emu.body)).toEqual(shape(r.real.body));
      });

      test('using the legacy token: SelfSubjectReview, then the last-used label on the Secret', async () => {
        const r = await filled('legacy');
        const t = { real: decode(r.real.body.data.token), emu: decode(r.emu.body.data.token) };
        const ssr = await asBoth(t, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
        expect(ssr.real.status).toBe(201);
        expect({ status: ssr.emu.status, body: normalised(ssr.emu.body) }).toEqual({ status: ssr.real.status, body: normalised(ssr.real.body) });
        // The authenticator labels the Secret with the day of use (k/k pkg/serviceaccount/legacy.go).
        const label = 'kubernetes.io/legacy-token-last-used';
        const deadline = Date.now() + 30_000;
        let s = await getBoth(`/api/v1/namespaces/${DNS}/secrets/legacy`);
        while ((!s.real.body.metadata.labels?.[label] || !s.emu.body.metadata.labels?.[label]) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 500));
          s = await getBoth(`/api/v1/namespaces/${DNS}/secrets/legacy`);
        }
        const day = (v: any) => Object.fromEntries(Object.entries(v.metadata.labels ?? {}).map(([k, x]) => [k, /^\d{4}-\d{2}-\d{2}$/.test(String(x)) ? '<day>' : x]));
        expect(day(s.real.body)).toEqual({ [label]: '<day>' });
        expect(day(s.emu.body)).toEqual(day(s.real.body));
      });

      test('the token controller deletes a token Secret whose ServiceAccount is missing, or is deleted', async () => {
        const gone = async (name: string) => {
          const p = `/api/v1/namespaces/${DNS}/secrets/${name}`;
          const deadline = Date.now() + 30_000;
          let r = await getBoth(p);
          while ((r.real.status !== 404 || r.emu.status !== 404) && Date.now() < deadline) {
            await new Promise((res) => setTimeout(res, 500));
            r = await getBoth(p);
          }
          return [r.real.status, r.emu.status];
        };
        const token = (name: string, sa: string) => ({ metadata: { name, annotations: { 'kubernetes.io/service-account.name': sa } }, type: 'kubernetes.io/service-account-token' });
        const orphan = await both('POST', `/api/v1/namespaces/${DNS}/secrets`, token('orphan', 'ghost'));
        expect([orphan.real.status, orphan.emu.status]).toEqual([201, 201]);
        expect(await gone('orphan')).toEqual([404, 404]);
        const owner = await both('POST', `/api/v1/namespaces/${DNS}/serviceaccounts`, { metadata: { name: 'owner' } });
        expect([owner.real.status, owner.emu.status]).toEqual([201, 201]);
        const owned = await both('POST', `/api/v1/namespaces/${DNS}/secrets`, token('owned', 'owner'));
        expect([owned.real.status, owned.emu.status]).toEqual([201, 201]);
        const r = await filled('owned');
        expect([r.real.status, r.emu.status]).toEqual([200, 200]);
        const del = await both('DELETE', `/api/v1/namespaces/${DNS}/serviceaccounts/owner`);
        expect([del.real.status, del.emu.status]).toEqual([200, 200]);
        expect(await gone('owned')).toEqual([404, 404]);
      }, 90_000);

      test('the tracking ConfigMap in kube-system holds `since`', async () => {
        const r = await getBoth('/api/v1/namespaces/kube-system/configmaps/kube-apiserver-legacy-service-account-token-tracking');
        expect(r.real.status).toBe(200);
        const shape = (b: any) => ({ keys: Object.keys(b.data ?? {}).sort(), since: /^\d{4}-\d{2}-\d{2}$/.test(b.data?.since) });
        expect(shape(r.real.body)).toEqual({ keys: ['since'], since: true });
        expect({ status: r.emu.status, cm: shape(r.emu.body) }).toEqual({ status: r.real.status, cm: shape(r.real.body) });
      });
    });

    test('OIDC discovery: /.well-known/openid-configuration fields (jwks_uri by path) and /openid/v1/jwks keys', async () => {
      const d = await both('GET', '/.well-known/openid-configuration');
      expect(d.real.status).toBe(200);
      // The real jwks_uri names the apiserver's own address (its port is random here).
      const conf = (b: any) => ({ ...b, jwks_uri: new URL(b.jwks_uri).pathname });
      expect({ status: d.emu.status, conf: conf(d.emu.body) }).toEqual({ status: d.real.status, conf: conf(d.real.body) });
      const j = await both('GET', '/openid/v1/jwks');
      expect(j.real.status).toBe(200);
      const keys = (b: any) => ({ keys: (b.keys ?? []).map((k: any) => ({ ...k, kid: /^[A-Za-z0-9_-]{43}$/.test(k.kid), n: /^[A-Za-z0-9_-]{342}$/.test(k.n) })), other: Object.keys(b).sort() });
      expect({ status: j.emu.status, jwks: keys(j.emu.body) }).toEqual({ status: j.real.status, jwks: keys(j.real.body) });
    });

    test('pagination: limit=1 through every ServiceAccount of the namespace', async () => {
      const pages = async (request: (p: string) => Promise<{ status: number; body: any }>) => {
        const out: Array<{ status: number; names: string[]; remaining: unknown; more: boolean }> = [];
        let cont = '';
        do {
          const r = await request(`/api/v1/namespaces/${DNS}/serviceaccounts?limit=1${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
          cont = r.body.metadata?.continue ?? '';
          out.push({ status: r.status, names: r.body.items.map((i: any) => i.metadata.name), remaining: r.body.metadata?.remainingItemCount, more: cont !== '' });
        } while (cont && out.length < 20);
        return out;
      };
      const [real, emu] = await Promise.all([pages((p) => realRequest('GET', p)), pages((p) => emulator.adminRequest('GET', p))]);
      expect(real.length).toBeGreaterThan(2);
      expect(emu).toEqual(real);
    });

    const continueToken = (t: unknown) => Buffer.from(JSON.stringify(t)).toString('base64url');
    test.each([
      ['a character outside base64url', 'abc*def', true],
      ['a lone final base64 character', 'abcde', true],
      ['another token version', continueToken({ v: 'meta.k8s.io/v2', rv: 5, start: 'app\u0000' }), true],
      ['resourceVersion 0', continueToken({ v: 'meta.k8s.io/v1', rv: 0, start: 'app\u0000' }), true],
      ['an empty start key', continueToken({ v: 'meta.k8s.io/v1', rv: 5, start: '' }), true],
      ['a start key climbing out of the prefix', continueToken({ v: 'meta.k8s.io/v1', rv: 5, start: '../kube-system/x' }), true],
      // Go's encoding/json wording is not reproduced: the message is compared up to it.
      ['base64 of something not JSON', 'not-a-token', false],
    ])('a malformed continue token: %s', async (_what, token, whole) => {
      const r = await both('GET', `/api/v1/namespaces/${DNS}/serviceaccounts?limit=1&continue=${encodeURIComponent(token)}`);
      expect(r.real.status).toBe(400);
      const cut = (x: { status: number; body: any }) => {
        const f = refusal(x);
        return whole ? f : { ...f, message: f.message.slice(0, 'invalid continue token: continue key is not valid: '.length) };
      };
      expect(cut(r.emu)).toEqual(cut(r.real));
    });

    test.each([
      ['secrets by type=kubernetes.io/service-account-token', `/api/v1/namespaces/${DNS}/secrets?fieldSelector=${encodeURIComponent('type=kubernetes.io/service-account-token')}`],
      ['pods on a node that does not exist', `/api/v1/namespaces/${DNS}/pods?fieldSelector=${encodeURIComponent('spec.nodeName=nowhere')}`],
      ['pods cluster-wide on a node that does not exist', `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=nowhere')}`],
      ['secrets cluster-wide by type=kubernetes.io/service-account-token', `/api/v1/secrets?fieldSelector=${encodeURIComponent('type=kubernetes.io/service-account-token')}`],
      ['events of an object that has none (involvedObject.name)', `/api/v1/namespaces/${DNS}/events?fieldSelector=${encodeURIComponent('involvedObject.name=nothing-here')}`],
      ['an unsupported field label', `/api/v1/namespaces/${DNS}/pods?fieldSelector=${encodeURIComponent('spec.foo=bar')}`],
      ['an unsupported field label on secrets', `/api/v1/namespaces/${DNS}/secrets?fieldSelector=${encodeURIComponent('data.token=x')}`],
    ])('field selector: %s', async (_what, p) => {
      const r = await both('GET', p);
      // Cluster-wide lists: only this file's namespace, as other files share the real cluster.
      const answer = (x: { status: number; body: any }) => (x.status === 200
        ? { status: 200, kind: x.body.kind, names: x.body.items.filter((i: any) => i.metadata.namespace === DNS).map((i: any) => i.metadata.name) }
        : refusal(x));
      expect(answer(r.emu)).toEqual(answer(r.real));
    });
  });
});
