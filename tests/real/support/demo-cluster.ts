/**
 * The diagnose demo on a real cluster: the same cases as the emulator's (scenarios/demo-objects.ts,
 * expectations in DEMO_CASES), applied through the API as manifests, broken the way a cluster breaks.
 * Used by the real tier's tests and by `npm run demo -- --real`; kubectl is passed in, so it runs
 * under jest and from a plain script alike.
 *
 * Where the real cluster needs something the emulator does not (each said at its place):
 * - the app is the local busybox image running `sleep`, with a 1 s termination grace (a `sleep` as
 *   PID 1 ignores SIGTERM, so a deleted pod would hold its namespace for the default 30 s);
 * - the NotReady node is a second Node object with no kubelet: it posts Ready until the case's pod
 *   is bound to it, then falls silent, and kube-controller-manager's node lifecycle controller marks
 *   it NotReady. The shared node's kubelet is never touched. Its pod never starts (no kubelet), so
 *   it has no token: diagnose judges the node, which is the root cause on both backends;
 * - the caching app's rotation and stale token (synthetic-time): its pod mounts a 600 s token, the
 *   shortest TokenRequest allows, which the kubelet really rotates at 80 % (~8 min); then a token
 *   signed with the cluster's own key, with the claims (live uids) of the pod's token and iat and
 *   warnafter in the past, is presented to the API server from the test process — not from the pod
 *   — as the token the app cached; the API server audits it stale-token.
 */
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { APP, TOKEN_MOUNT_PATH, deploymentManifest, demoObjects, projectedTokenVolume, type DemoObjects, type Manifest } from '../../apiserver/scenarios/demo-objects';

export interface RealDemoEnv {
  /** kubectl of the cluster; resolves to stdout, rejects with stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** The admin kubeconfig (JSON, as the launcher writes it). */
  kubeconfig: string;
  /** The launcher's run directory: pki/sa.key signs ServiceAccount tokens. */
  runDir: string;
  /**
   * The demo's namespaces and its node are named with this prefix (`real-demo-` on a shared dev
   * cluster); '' keeps the DEMO_CASES names, as `npm run demo -- --real` on its own cluster does.
   */
  prefix: string;
  /** Progress, one line each. */
  log?(line: string): void;
}

/** The label on the Node this demo registers (so that cleanup deletes only its own). */
export const DEMO_NODE_LABEL = 'demo.satoken.dev/node-without-kubelet';
/** The taint that keeps every other pod of the shared cluster off that node; only the demo's pod tolerates it. */
const NO_KUBELET_TAINT = { key: DEMO_NODE_LABEL, value: 'true', effect: 'NoSchedule' };
/** The token lifetime of the caching app's volume: TokenRequest's minimum (k/k pkg/apis/authentication/validation MinTokenAgeSec). */
export const SHORT_TOKEN_SECONDS = 600;
/** The kubelet's extended default that the stale token copies (k/k pkg/serviceaccount/claims.go WarnOnlyBoundTokenExpirationSeconds, ExpirationExtensionSeconds). */
const WARN_AFTER_SECONDS = 3607;
const EXTENDED_SECONDS = 365 * 24 * 3600;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The local busybox image the cluster imports (scripts/realcluster/images.mjs; read from there: jest cannot require an ES module). */
export function busyboxImage(repoRoot: string): string {
  const m = /^export const BUSYBOX_IMAGE = '([^']+)';/m.exec(readFileSync(path.join(repoRoot, 'scripts/realcluster/images.mjs'), 'utf8'));
  if (!m) throw new Error('scripts/realcluster/images.mjs names no BUSYBOX_IMAGE');
  return m[1];
}

/** The namespace a DEMO_CASES namespace gets with `prefix` (diag-audience → real-demo-audience). */
export function realNamespace(prefix: string, key: string): string {
  return prefix ? `${prefix}${key.replace(/^diag-/, '')}` : key;
}

export interface RealDemo {
  cases: DemoObjects[];
  namespaceOf(key: string): string;
  /** The Node without a kubelet that the expired case's pod is bound to. */
  stoppedNode: string;
  /** The issuer the API server ran when the demo was set up (its pods' tokens carry it). */
  issuer: string;
  /** The name of the case's current pod (not being deleted). */
  podOf(key: string): Promise<string>;
  /** Deletes every namespace and the Node this demo made; waits for them to go. */
  cleanup(): Promise<void>;
  /**
   * Runs `run` (a diagnosis) once the cluster serves with the issuer the demo was set up under and
   * its node Ready, and again if the API server restarted, the issuer changed or the node's
   * readiness moved meanwhile: another user of a shared cluster reconfigures it now and then.
   */
  settled<T>(run: () => Promise<T>): Promise<T>;
}

async function json(env: RealDemoEnv, args: string[]): Promise<any> {
  return JSON.parse(await env.kubectl([...args, '-o', 'json']));
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined | false>, everyMs = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${Math.round(ms / 1000)} s${last ? ` (${last instanceof Error ? last.message : String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

/** The demo's cases with the real cluster's changes (see the file's comment). */
export function realCases(prefix: string, image: string, stoppedNode: string): DemoObjects[] {
  const container = { image, imagePullPolicy: 'Never', command: ['sleep', '86400'] };
  return demoObjects({ namespace: (k) => realNamespace(prefix, k), container }).map((c) => {
    let podSpec: Manifest = { ...c.deployment.podSpec, terminationGracePeriodSeconds: 1 };
    if (c.breaks === 'node-stopped') {
      podSpec = {
        ...podSpec,
        // Scheduled where the node without a kubelet is preferred while it is Ready; kept there once
        // it is not (no tolerationSeconds: never evicted), but a new pod, which does not tolerate the
        // NotReady node's NoSchedule taint, lands on a Ready node.
        affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: [stoppedNode] }] } }] } },
        tolerations: [
          { ...NO_KUBELET_TAINT, operator: 'Equal' },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        ],
      };
    }
    if (c.key === 'diag-app-cache') {
      // A token the kubelet rotates within the test (see the file's comment), where the pod's own goes.
      podSpec = {
        ...podSpec,
        automountServiceAccountToken: false,
        containers: [{ ...podSpec.containers[0], volumeMounts: [{ name: 'api-token', mountPath: TOKEN_MOUNT_PATH, readOnly: true }] }],
        volumes: [projectedTokenVolume('api-token', { expirationSeconds: SHORT_TOKEN_SECONDS })],
      };
    }
    return { ...c, deployment: { name: c.deployment.name, podSpec } };
  });
}

const isReady = (n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

/** A kubectl failure that a restarting API server gives (a shared cluster is reconfigured now and then): worth another try. */
const TRANSIENT = /connection refused|was refused|connection reset|EOF|i\/o timeout|TLS handshake timeout|the server is currently unable|ServiceUnavailable|Too many requests|etcdserver: request timed out|net\/http: timeout/i;

/** kubectl that tries again, for up to three minutes, while the API server is away; other failures as they come. */
export function retrying(kubectl: RealDemoEnv['kubectl']): RealDemoEnv['kubectl'] {
  return async (args, input) => {
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        return await kubectl(args, input);
      } catch (e) {
        if (!TRANSIENT.test(e instanceof Error ? e.message : String(e)) || Date.now() > deadline) throw e;
        await sleep(3000);
      }
    }
  };
}

/** What a diagnosis depends on that another user of a shared cluster may change: the issuer, the API server's run, the node's kubelet. */
interface ClusterState {
  issuer: string;
  /** The holders of kube-apiserver's identity leases: a new one each time it starts. */
  apiserver: string;
  /** The node's Ready condition and when it last changed. */
  node: string;
}

async function clusterState(env: RealDemoEnv, node: string): Promise<ClusterState> {
  const [discovery, leases, n] = await Promise.all([
    env.kubectl(['get', '--raw', '/.well-known/openid-configuration']),
    json(env, ['get', 'leases', '-n', 'kube-system', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver']),
    json(env, ['get', 'node', node]),
  ]);
  const ready = n.status?.conditions?.find((c: any) => c.type === 'Ready');
  return {
    issuer: JSON.parse(discovery).issuer,
    apiserver: leases.items.map((l: any) => l.spec?.holderIdentity).sort().join(','),
    node: `${ready?.status}@${ready?.lastTransitionTime}`,
  };
}

/** Applies the demo's cases and breaks them; resolves once each is as DEMO_CASES describes it (the caching app aside: see presentStaleToken). */
export async function setUpRealDemo(given: RealDemoEnv, image: string): Promise<RealDemo> {
  const env: RealDemoEnv = { ...given, kubectl: retrying(given.kubectl) };
  const log = env.log ?? (() => {});
  const kubeletNode = (await json(env, ['get', 'nodes'])).items.find((n: any) => !n.metadata.labels?.[DEMO_NODE_LABEL] && n.status?.nodeInfo?.kubeletVersion && isReady(n))?.metadata.name;
  if (!kubeletNode) throw new Error('no Ready node with a kubelet');
  const baseline = await clusterState(env, kubeletNode);
  const stoppedNode = `${env.prefix || 'demo-'}node-without-kubelet`;
  const cases = realCases(env.prefix, image, stoppedNode);
  const byKey = new Map(cases.map((c) => [c.key, c]));
  const namespaceOf = (key: string) => byKey.get(key)?.namespace ?? realNamespace(env.prefix, key);
  const currentPods = async (ns: string) => (await json(env, ['get', 'pods', '-n', ns])).items.filter((p: any) => !p.metadata.deletionTimestamp);
  const podOf = async (key: string) => {
    const pods = await currentPods(namespaceOf(key));
    if (pods.length !== 1) throw new Error(`${namespaceOf(key)}: ${pods.length} current pods, expected 1`);
    return pods[0].metadata.name as string;
  };
  const demo: RealDemo = {
    cases,
    namespaceOf,
    stoppedNode,
    issuer: baseline.issuer,
    podOf,
    cleanup: () => cleanUp(env, cases, stoppedNode),
    settled: async <T>(run: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const before = await until(`the cluster serving issuer ${baseline.issuer} with node ${kubeletNode} Ready`, 15 * 60_000, async () => {
          const st = await clusterState(env, kubeletNode);
          return st.issuer === baseline.issuer && st.node.startsWith('True@') ? st : undefined;
        }, 5000);
        const r = await run();
        const after = await clusterState(env, kubeletNode).catch(() => undefined);
        if (after && JSON.stringify(after) === JSON.stringify(before)) return r;
        if (attempt >= 4) throw new Error(`the cluster kept changing under the diagnosis: ${JSON.stringify(before)} then ${JSON.stringify(after)}`);
        log(`the cluster changed during a diagnosis (${JSON.stringify(before)} then ${JSON.stringify(after)}): taken again`);
      }
    },
  };

  log(`creating ${cases.length} namespaces (${cases.map((c) => c.namespace).join(', ')})`);
  await env.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: cases.flatMap((c) => c.objects) }));
  // The token controller fills the legacy Secret; the pod mounts it as it is, so wait for its token.
  for (const c of cases.filter((x) => x.objects.some((o) => o.kind === 'Secret'))) {
    const secret = c.objects.find((o) => o.kind === 'Secret')!.metadata.name;
    await until(`the token controller filling Secret ${c.namespace}/${secret}`, 120_000, async () => (await json(env, ['get', 'secret', secret, '-n', c.namespace])).data?.token);
  }
  const normal = cases.filter((c) => c.breaks !== 'node-stopped');
  await env.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: normal.map((c) => deploymentManifest(c.namespace, c.deployment)) }));

  const expired = cases.find((c) => c.breaks === 'node-stopped');
  if (expired) await bindToStoppedNode(env, expired, stoppedNode, kubeletNode, log);

  log('waiting for the Deployments to roll out');
  await Promise.all(normal.map((c) => env.kubectl(['rollout', 'status', `deployment/${c.deployment.name}`, '-n', c.namespace, '--timeout=300s'])));
  for (const c of cases.filter((x) => x.breaks === 'serviceaccount-deleted')) {
    log(`${c.namespace}: deleting ServiceAccount ${APP} under its running pod`);
    await env.kubectl(['delete', 'serviceaccount', APP, '-n', c.namespace, '--ignore-not-found']);
  }
  if (expired) {
    log(`${stoppedNode}: waiting for the node lifecycle controller to mark it NotReady (about a minute)`);
    await until(`node ${stoppedNode} NotReady and tainted unreachable`, 300_000, async () => {
      const n = await json(env, ['get', 'node', stoppedNode]);
      return !isReady(n) && (n.spec?.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule');
    }, 3000);
  }
  return demo;
}

/**
 * Registers the Node without a kubelet, posts its Ready status (as a kubelet would) until the case's
 * pod is bound to it, then stops: from then on nobody posts its status.
 */
async function bindToStoppedNode(env: RealDemoEnv, c: DemoObjects, name: string, kubeletNode: string, log: (l: string) => void): Promise<void> {
  const real = await json(env, ['get', 'node', kubeletNode]);
  log(`registering node ${name} (no kubelet behind it), Ready until the ${c.namespace} pod is bound to it`);
  await env.kubectl(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [DEMO_NODE_LABEL]: 'true', 'kubernetes.io/hostname': name } },
    spec: { taints: [NO_KUBELET_TAINT] },
  }));
  const heartbeat = async () => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await env.kubectl(['patch', 'node', name, '--subresource=status', '--type', 'merge', '-p', JSON.stringify({
      status: {
        capacity: real.status.capacity,
        allocatable: real.status.allocatable,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
        addresses: [{ type: 'Hostname', address: name }],
      },
    })]);
  };
  await heartbeat();
  // Admission taints a new node not-ready (k/k plugin/pkg/admission/nodetaint) until the node
  // lifecycle controller sees it Ready.
  await until(`node ${name} schedulable`, 120_000, async () => {
    await heartbeat();
    const n = await json(env, ['get', 'node', name]);
    return !(n.spec?.taints ?? []).some((t: any) => t.key.startsWith('node.kubernetes.io/'));
  });
  await env.kubectl(['apply', '-f', '-'], JSON.stringify(deploymentManifest(c.namespace, c.deployment)));
  const bound = await until(`the ${c.namespace} pod scheduled`, 120_000, async () => {
    await heartbeat();
    const p = (await json(env, ['get', 'pods', '-n', c.namespace])).items[0];
    return p?.spec?.nodeName ? (p.spec.nodeName as string) : undefined;
  });
  if (bound !== name) throw new Error(`the ${c.namespace} pod was scheduled on ${bound}, not on ${name}`);
  log(`${c.namespace}: pod bound to ${name}; its status is no longer posted`);
}

async function cleanUp(env: RealDemoEnv, cases: DemoObjects[], stoppedNode: string): Promise<void> {
  const namespaces = cases.map((c) => c.namespace);
  // A pod bound to the node without a kubelet is never confirmed deleted: force it, as nothing runs it.
  for (const ns of namespaces) {
    await env.kubectl(['delete', 'pods', '--all', '-n', ns, '--force', '--grace-period=0', '--ignore-not-found', '--wait=false']).catch(() => '');
  }
  await env.kubectl(['delete', 'node', stoppedNode, '--ignore-not-found']).catch(() => '');
  await env.kubectl(['delete', 'namespace', ...namespaces, '--ignore-not-found', '--timeout=180s']);
}

const fileIssuer = (jwt: string) => parts(jwt.trim()).payload.iss as string;

/** The claims of a JWT (no verification: the token is the cluster's own, read from its pod). */
function parts(jwt: string): { header: any; payload: any } {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) };
}

/** Waits until the kubelet has rotated the pod's token file (written a minute or more after the container started); resolves to its mtime. */
export async function waitForRotation(env: RealDemoEnv, namespace: string, pod: string, ms: number, after = 0): Promise<Date> {
  const p = await json(env, ['get', 'pod', pod, '-n', namespace]);
  const started = Date.parse(p.status.containerStatuses[0].state.running.startedAt);
  return until(`the kubelet rotating ${namespace}/${pod}'s token`, ms, async () => {
    const mtime = Number((await env.kubectl(['exec', pod, '-n', namespace, '-c', APP, '--', 'stat', '-L', '-c', '%Y', `${TOKEN_MOUNT_PATH}/token`])).trim()) * 1000;
    return mtime > Math.max(started + 60_000, after) ? new Date(mtime) : undefined;
  }, 10_000);
}

/**
 * synthetic-time: presents, from this process, the token the caching app would hold — signed with
 * the cluster's key (`kid` as its JWKS names it), the claims of the pod's current token (live uids),
 * issued two hours ago with warnafter an hour later, a year's expiry as the extended default, a jti
 * of its own — on a GET of the pod's namespace's pods. Resolves to the HTTP status.
 */
export async function presentStaleToken(env: RealDemoEnv, namespace: string, pod: string): Promise<number> {
  const current = (await env.kubectl(['exec', pod, '-n', namespace, '-c', APP, '--', 'cat', `${TOKEN_MOUNT_PATH}/token`])).trim();
  const { header, payload } = parts(current);
  const jwks = JSON.parse(await env.kubectl(['get', '--raw', '/openid/v1/jwks']));
  if (!jwks.keys?.some((k: any) => k.kid === header.kid)) throw new Error(`the cluster's JWKS has no key ${header.kid}`);
  const iat = Math.floor(Date.now() / 1000) - 2 * 3600;
  const claims = {
    ...payload,
    iat,
    nbf: iat,
    exp: iat + EXTENDED_SECONDS,
    jti: randomUUID(),
    'kubernetes.io': { ...payload['kubernetes.io'], warnafter: iat + WARN_AFTER_SECONDS },
  };
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signing = `${enc({ alg: 'RS256', kid: header.kid })}.${enc(claims)}`;
  const key = createPrivateKey(readFileSync(path.join(env.runDir, 'pki', 'sa.key')));
  const token = `${signing}.${sign('sha256', Buffer.from(signing), key).toString('base64url')}`;
  const kc = JSON.parse(readFileSync(env.kubeconfig, 'utf8'));
  const cluster = kc.clusters[0].cluster;
  const url = new URL(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?limit=1`, cluster.server);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'GET', ca: Buffer.from(cluster['certificate-authority-data'], 'base64'), headers: { authorization: `Bearer ${token}`, 'user-agent': 'demo-app (cached token)' }, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The caching app's state for its verdict: the kubelet rotated the file, the app's grace to re-read
 * it (two minutes) passed, and the cached token was presented after that. Up to ~11 minutes after
 * the pod started.
 */
export async function cacheTheToken(given: RealDemoEnv, namespace: string, pod: string, issuer?: string): Promise<void> {
  const env: RealDemoEnv = { ...given, kubectl: retrying(given.kubectl) };
  const log = env.log ?? (() => {});
  log(`${namespace}: waiting for the kubelet to rotate the ${SHORT_TOKEN_SECONDS} s token (at 80 %, about ${Math.round((0.8 * SHORT_TOKEN_SECONDS) / 60)} min after the pod started)`);
  let rotated = await waitForRotation(env, namespace, pod, 15 * 60_000);
  // A rotation while another user of a shared cluster had it run another issuer gives a token of that
  // issuer, which the demo's issuer refuses: the next rotation (one token lifetime's 80 % later) then.
  for (let n = 1; issuer && fileIssuer(await env.kubectl(['exec', pod, '-n', namespace, '-c', APP, '--', 'cat', `${TOKEN_MOUNT_PATH}/token`])) !== issuer; n++) {
    if (n > 2) throw new Error(`${namespace}: the kubelet's tokens kept coming from an issuer other than ${issuer} (the cluster reconfigured by another user)`);
    log(`${namespace}: rotated while the API server ran another issuer; waiting for the next rotation`);
    rotated = await waitForRotation(env, namespace, pod, 15 * 60_000, rotated.getTime() + 1000);
  }
  // app-token-reload gives an app two minutes after a rotation to re-read (REREAD_GRACE_MS).
  const after = rotated.getTime() + 2 * 60_000 + 5_000;
  if (after > Date.now()) log(`${namespace}: rotated; the app has until ${new Date(after).toISOString()} to re-read it`);
  await sleep(Math.max(0, after - Date.now()));
  // A 401 while the API server runs another issuer (a shared cluster reconfigured meanwhile): again.
  const status = await until('the stale token\'s request answered 200', 10 * 60_000, async () => {
    const code = await presentStaleToken(env, namespace, pod).catch(() => 0);
    if (code !== 200) log(`${namespace}: the stale token's request answered ${code || 'nothing'}; again`);
    return code === 200 ? code : undefined;
  }, 10_000);
  log(`${namespace}: the app's cached token (synthetic-time: past warnafter) presented, answered ${status}`);
}
