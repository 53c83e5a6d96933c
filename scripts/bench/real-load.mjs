/**
 * Loads the real cluster with the scale benchmark's objects through the API, in parallel, and
 * removes them: `pods` pods and `pods` token Secrets in namespaces `real-bench-s<i>` of 500 each,
 * with 20 ServiceAccounts a namespace the pods run as and the Secrets belong to.
 *
 * - Pods name a scheduler that does not exist (`spec.schedulerName`), so kube-scheduler never binds
 *   them and the single kubelet runs none of them: they stay Pending with no node, as stored objects.
 *   Nothing collects them: the pod garbage collector deletes only terminated pods, pods bound to a
 *   node that is gone, and unscheduled pods already being deleted (k/k pkg/controller/podgc
 *   gc_controller.go gcTerminated, gcOrphaned, gcUnscheduledTerminating); the benchmark counts them
 *   again after measuring.
 * - Secrets of type kubernetes.io/service-account-token name their ServiceAccount in the
 *   `kubernetes.io/service-account.name` annotation; the controller manager's token controller
 *   fills in `token`, `ca.crt` and `namespace` (and deletes a Secret whose ServiceAccount does not
 *   exist: k/k pkg/controller/serviceaccount/tokens_controller.go syncSecret), so the
 *   ServiceAccounts are created first and the load waits until every Secret has its token.
 *   The controller fills them at the pace of the controller manager's client rate limit (a GET and
 *   an UPDATE per Secret at --kube-api-qps 20: 500 took 73 s here, 10,000 would take ~25 minutes),
 *   so with `tokenFill: 'loader'` the loader writes what the controller would have written instead:
 *   the legacy token (k/k pkg/serviceaccount/legacy.go LegacyClaims, issuer
 *   "kubernetes/serviceaccount", signed RS256 with the cluster's ServiceAccount key `pki/sa.key`,
 *   kid = base64url(SHA-256(PKIX public key)) as pkg/serviceaccount/jwt.go keyIDFromPublicKey),
 *   `ca.crt` (the controller manager's --root-ca-file, `pki/ca.crt`), `namespace`, and the
 *   ServiceAccount uid annotation. The controller then finds nothing to update
 *   (tokens_controller.go secretUpdateNeeded), and the API server authenticates these tokens as it
 *   does the controller's: the load checks a sample with TokenReview.
 * - Deleting the namespaces: an unbound pod is deleted at once, with no grace period (k/k
 *   pkg/registry/core/pod/strategy.go CheckGracefulDelete: "if the pod is not scheduled, delete
 *   immediately"), so the namespace controller empties them quickly; the cleanup waits until every
 *   namespace is gone.
 */
import { createHash, createPrivateKey, createPublicKey, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';

export const SCALE_PREFIX = 'real-bench-s';
const PER_NAMESPACE = 500;
const SA_PER_NAMESPACE = 20;
/** A scheduler no component runs: the pods stay Pending and unbound. */
export const NO_SCHEDULER = 'real-bench-no-such-scheduler';

/** A small JSON client over one keep-alive agent, as the bench user. Retries what a restart answers. */
export function apiClient(server, identity, { sockets = 24 } = {}) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: sockets, ca: identity.ca, cert: identity.cert, key: identity.key });
  const base = new URL(server);
  const once = (method, p, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        { host: base.hostname, port: base.port, path: p, method, agent, timeout: 60_000, headers: { accept: 'application/json', ...(data ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode, body: json, text });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${p}: timeout`)));
      req.on('error', reject);
      req.end(data);
    });
  // A shared cluster's API server restarts now and then (a profile change): retry for about a minute.
  const pause = (attempt) => new Promise((d) => setTimeout(d, Math.min(500 * attempt, 5000)));
  const call = async (method, p, body) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await once(method, p, body);
        if ((r.status === 429 || r.status >= 500) && attempt < 16) {
          await pause(attempt);
          continue;
        }
        return r;
      } catch (e) {
        if (attempt >= 16) throw new Error(`${method} ${p}: ${e.message}`);
        await pause(attempt);
      }
    }
  };
  return { call, close: () => agent.destroy() };
}

/** Runs `tasks` (functions returning promises) `width` at a time. */
async function parallel(tasks, width) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
}

const must = (r, what, ok = [200, 201]) => {
  if (ok.includes(r.status) || r.status === 409) return r;
  throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
};

/** Paged count of a list, `pred` on each item. */
async function countList(api, p, pred = () => true) {
  let n = 0;
  let total = 0;
  let cont = '';
  do {
    const sep = p.includes('?') ? '&' : '?';
    const r = must(await api.call('GET', `${p}${sep}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`), `GET ${p}`, [200]);
    for (const it of r.body.items) {
      total++;
      if (pred(it)) n++;
    }
    cont = r.body.metadata?.continue ?? '';
  } while (cont);
  return { n, total };
}

export function scaleNamespaces(pods) {
  return Array.from({ length: Math.ceil(pods / PER_NAMESPACE) }, (_, i) => `${SCALE_PREFIX}${i}`);
}

/** A legacy ServiceAccount token as the token controller makes it (see above). */
function legacyTokenSigner(pkiDir) {
  const key = createPrivateKey(readFileSync(path.join(pkiDir, 'sa.key')));
  const kid = createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('base64url');
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = b64({ alg: 'RS256', kid });
  return (ns, sa, saUid, secret) => {
    const input = `${header}.${b64({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': ns,
      'kubernetes.io/serviceaccount/secret.name': secret,
      'kubernetes.io/serviceaccount/service-account.name': sa,
      'kubernetes.io/serviceaccount/service-account.uid': saUid,
      sub: `system:serviceaccount:${ns}:${sa}`,
    })}`;
    return `${input}.${createSign('sha256').update(input).sign(key).toString('base64url')}`;
  };
}

/**
 * Creates the objects; resolves with what was made and how long each step took. `tokenFill`:
 * 'controller' (wait for the token controller) or 'loader' (write the controller's data; `pkiDir`).
 */
export async function loadScale(api, pods, image, log, { tokenFill = 'controller', pkiDir } = {}) {
  const namespaces = scaleNamespaces(pods);
  const t0 = Date.now();
  await parallel(namespaces.map((ns) => async () => must(await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'real-bench': 'scale' } } }), `namespace ${ns}`)), 8);
  const sas = namespaces.flatMap((ns) => Array.from({ length: SA_PER_NAMESPACE }, (_, j) => ({ ns, name: `app-${j}` })));
  const uids = new Map();
  await parallel(sas.map((sa) => async () => {
    let r = must(await api.call('POST', `/api/v1/namespaces/${sa.ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name } }), `serviceaccount ${sa.ns}/${sa.name}`);
    if (r.status === 409) r = must(await api.call('GET', `/api/v1/namespaces/${sa.ns}/serviceaccounts/${sa.name}`), `serviceaccount ${sa.ns}/${sa.name}`, [200]);
    uids.set(`${sa.ns}/${sa.name}`, r.body.metadata.uid);
  }), 24);
  const sign = tokenFill === 'loader' ? legacyTokenSigner(pkiDir) : undefined;
  const ca = sign ? readFileSync(path.join(pkiDir, 'ca.crt')).toString('base64') : undefined;
  const tSa = Date.now();
  log(`real load: ${namespaces.length} namespaces, ${sas.length} ServiceAccounts in ${((tSa - t0) / 1000).toFixed(1)} s; creating ${pods} token Secrets and ${pods} pods…`);
  const items = [];
  for (let i = 0; i < pods; i++) {
    const ns = namespaces[Math.floor(i / PER_NAMESPACE)];
    const sa = `app-${i % SA_PER_NAMESPACE}`;
    const secret = `legacy-${i}`;
    const uid = uids.get(`${ns}/${sa}`);
    items.push(async () =>
      must(await api.call('POST', `/api/v1/namespaces/${ns}/secrets`, {
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
        metadata: { name: secret, annotations: { 'kubernetes.io/service-account.name': sa, ...(sign ? { 'kubernetes.io/service-account.uid': uid } : {}) } },
        ...(sign ? { data: { token: Buffer.from(sign(ns, sa, uid, secret)).toString('base64'), 'ca.crt': ca, namespace: Buffer.from(ns).toString('base64') } } : {}),
      }), `secret ${ns}/${secret}`));
    items.push(async () =>
      must(await api.call('POST', `/api/v1/namespaces/${ns}/pods`, {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `web-${i}`, labels: { app: 'web', shard: String(i % 10) } },
        spec: {
          schedulerName: NO_SCHEDULER,
          serviceAccountName: sa,
          // Every tenth pod mounts its ServiceAccount's legacy token Secret, as old workloads do.
          ...(i % 10 === 0 ? { volumes: [{ name: 'legacy', secret: { secretName: `legacy-${i}` } }] } : {}),
          containers: [{ name: 'web', image, command: ['sleep', '3600'], ...(i % 10 === 0 ? { volumeMounts: [{ name: 'legacy', mountPath: '/var/run/legacy' }] } : {}) }],
        },
      }), `pod ${ns}/web-${i}`));
  }
  let done = 0;
  const ticker = setInterval(() => log(`real load: ${done}/${items.length} created…`), 15_000);
  try {
    await parallel(items.map((f) => async () => { await f(); done++; }), 32);
  } finally {
    clearInterval(ticker);
  }
  const tObjects = Date.now();
  log(`real load: ${items.length} objects in ${((tObjects - tSa) / 1000).toFixed(1)} s (${Math.round(items.length / ((tObjects - tSa) / 1000))}/s); checking every token Secret has its token (${tokenFill})…`);
  // The token controller fills the Secrets; wait until every one has its token.
  const deadline = Date.now() + 15 * 60_000;
  let filled = 0;
  for (;;) {
    filled = 0;
    for (const ns of namespaces) filled += (await countList(api, `/api/v1/namespaces/${ns}/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token`, (s) => Boolean(s.data?.token))).n;
    if (filled >= pods) break;
    if (Date.now() > deadline) throw new Error(`the token controller filled ${filled}/${pods} Secrets in 15 minutes`);
    await new Promise((d) => setTimeout(d, 3000));
  }
  const tTokens = Date.now();
  log(`real load: every token Secret filled ${((tTokens - tObjects) / 1000).toFixed(1)} s later (by the ${tokenFill})`);
  // The tokens authenticate as their ServiceAccounts, whoever wrote them.
  const sample = [0, Math.floor(pods / 2), pods - 1];
  for (const i of sample) {
    const ns = namespaces[Math.floor(i / PER_NAMESPACE)];
    const s = must(await api.call('GET', `/api/v1/namespaces/${ns}/secrets/legacy-${i}`), `secret ${ns}/legacy-${i}`, [200]);
    const token = Buffer.from(s.body.data.token, 'base64').toString('utf8');
    const review = must(await api.call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }), 'TokenReview', [201]);
    const want = `system:serviceaccount:${ns}:app-${i % SA_PER_NAMESPACE}`;
    if (!review.body.status?.authenticated || review.body.status.user?.username !== want) {
      throw new Error(`the token of ${ns}/legacy-${i} does not authenticate as ${want}: ${JSON.stringify(review.body.status ?? {}).slice(0, 300)}`);
    }
  }
  return {
    namespaces: namespaces.length,
    serviceAccounts: sas.length,
    pods,
    tokenSecrets: pods,
    createSeconds: (tObjects - t0) / 1000,
    createPerSecond: Math.round((items.length + sas.length + namespaces.length) / ((tObjects - t0) / 1000)),
    tokenFill,
    tokenFillSeconds: (tTokens - tObjects) / 1000,
    tokenReviewSample: sample.length,
  };
}

/** What is stored now: pods (and how many are unbound and Pending), token Secrets with a token; cluster-wide totals. */
export async function countScale(api, pods) {
  let podCount = 0;
  let pending = 0;
  let tokens = 0;
  for (const ns of scaleNamespaces(pods)) {
    const p = await countList(api, `/api/v1/namespaces/${ns}/pods`, (x) => x.status?.phase === 'Pending' && !x.spec?.nodeName);
    podCount += p.total;
    pending += p.n;
    tokens += (await countList(api, `/api/v1/namespaces/${ns}/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token`, (s) => Boolean(s.data?.token))).n;
  }
  // What a scan of every namespace reads: the benchmark's objects and whatever else the cluster holds.
  const all = {};
  for (const r of ['pods', 'secrets', 'serviceaccounts']) all[r] = (await countList(api, `/api/v1/${r}`)).total;
  return { pods: podCount, pendingUnbound: pending, tokenSecrets: tokens, clusterWide: all };
}

/** Deletes every `real-bench-…` namespace `names` and waits until all are gone. */
export async function deleteNamespaces(api, names, log, timeoutMs = 20 * 60_000) {
  const t0 = Date.now();
  await parallel(names.map((ns) => async () => {
    const r = await api.call('DELETE', `/api/v1/namespaces/${ns}`);
    if (![200, 202, 404].includes(r.status)) throw new Error(`DELETE namespace ${ns}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }), 8);
  for (;;) {
    let left = 0;
    for (const ns of names) if ((await api.call('GET', `/api/v1/namespaces/${ns}`)).status !== 404) left++;
    if (left === 0) break;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${left} namespaces still there ${timeoutMs / 60_000} minutes after their deletion`);
    log(`real cleanup: ${left}/${names.length} namespaces still terminating…`);
    await new Promise((d) => setTimeout(d, 5000));
  }
  const seconds = (Date.now() - t0) / 1000;
  log(`real cleanup: ${names.length} namespaces deleted in ${seconds.toFixed(1)} s`);
  return seconds;
}
