/**
 * The benchmarks on the real backend (`npm run bench -- --backend real`): the round-trips and scale
 * benchmarks against a real single-node Kubernetes (real-cluster.mjs) instead of the emulator. As
 * everywhere in the suite, each figure is a ratio against kubectl measured on the same objects in the
 * same interleaved loop; requests are counted from the cluster's audit log (real-audit.mjs).
 *
 *   roundtrips  diagnose POD (a running busybox pod, exec included) and test-auth TOKEN, against
 *               `kubectl get pod` and kubectl reading the objects diagnose GETs, through a proxy that
 *               delays what the client sends (delay-proxy.mjs): round trips on the critical path =
 *               (wall at L − wall at 0) / L, as the emulator's benchmark computes them
 *   scale       migrate-legacy -A and diagnose -A over OBJECTS unbound pods and OBJECTS token Secrets
 *               stored in etcd (real-load.mjs), against `kubectl get secrets,pods,serviceaccounts -A
 *               -o json` and a bare client GETting the same pages; wall time, peak RSS, requests
 *
 * Objects live in namespaces `real-bench-…`, deleted at the end (also after a failure).
 */
import { writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startDelayProxy } from './delay-proxy.mjs';
import { BIN, NODE, ROOT, median, run, table } from './lib.mjs';
import { auditMark, requestsSince } from './real-audit.mjs';
import { realCluster, writeKubeconfig } from './real-cluster.mjs';
import { apiClient, countScale, deleteNamespaces, loadScale, scaleNamespaces } from './real-load.mjs';

const BUSYBOX_IMAGE = 'localhost/busybox:kt'; // scripts/realcluster/images.mjs
const RT_NAMESPACE = 'real-bench-rt';
const LATENCIES = [0, 50, 250];
const PRECISE_MS = 250;

let shared;
/** One cluster for every real benchmark of the run; `releaseReal()` stops it when the run started it. */
function cluster(log) {
  shared ??= realCluster(log);
  return shared;
}
export async function releaseReal() {
  if (!shared) return;
  const c = await shared.catch(() => undefined);
  shared = undefined;
  await c?.release();
}

const sleep = (ms) => new Promise((d) => setTimeout(d, ms));

/**
 * Runs one case, counting the bench user's requests it made when `count`. A shared cluster is
 * restarted now and then (a few seconds of refused connections): a failed run is run again, up to
 * three times, and only a run that finished counts.
 */
async function once(c, env, k, { count = false, rss = false, log } = {}) {
  let mark;
  let r;
  for (let attempt = 1; ; attempt++) {
    mark = count ? auditMark(k.auditLog) : undefined;
    r = c.stdin
      ? await run('/bin/sh', ['-c', '"$0" "$@" < "$BENCH_STDIN"', c.cmd, ...c.args], { env: { ...env, BENCH_STDIN: c.stdin } })
      : await run(c.cmd, c.args, { env, rss });
    if ((c.okCodes ?? [0]).includes(r.code)) break;
    if (attempt === 3) throw new Error(`${c.id}: exit ${r.code}: ${r.stderr.slice(-600)}`);
    log?.(`real: ${c.id} exited ${r.code} (${r.stderr.trim().split('\n').pop()?.slice(0, 200) ?? ''}); running it again in 5 s`);
    await sleep(5000);
  }
  const out = { ms: r.ms, maxRssMB: r.maxRssMB };
  if (mark) {
    // blocking audit: the events are on disk before the responses; a stream's last events may trail its close.
    await sleep(200);
    const q = requestsSince(mark, [k.identity.user, ...(c.alsoAs ?? [])]);
    out.requests = q.count;
    out.requestList = q.requests;
  }
  return out;
}

/** The environment every timed command gets: the bench user's kubeconfig, one HOME (kubectl's discovery cache). */
function benchEnv(k, kubeconfig) {
  const home = path.join(k.dir, 'home');
  mkdirSync(home, { recursive: true });
  return { KUBECONFIG: kubeconfig, HOME: home, NO_COLOR: '1', PATH: `${path.dirname(k.kubectl)}:${process.env.PATH}` };
}

export async function benchRealRoundTrips({ quick, log }) {
  const runs = quick ? 3 : 7;
  const k = await cluster(log);
  const api = apiClient(k.server, k.identity);
  const proxy = await startDelayProxy(k.server);
  try {
    // A running pod whose ServiceAccount token diagnose reads through exec.
    await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RT_NAMESPACE } });
    await api.call('POST', `/api/v1/namespaces/${RT_NAMESPACE}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } });
    const made = await api.call('POST', `/api/v1/namespaces/${RT_NAMESPACE}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
      spec: { serviceAccountName: 'web', terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: BUSYBOX_IMAGE, command: ['sleep', '86400'] }] },
    });
    if (![201, 409].includes(made.status)) throw new Error(`creating the pod: HTTP ${made.status} ${made.text.slice(0, 300)}`);
    const deadline = Date.now() + 180_000;
    let pod;
    for (;;) {
      pod = (await api.call('GET', `/api/v1/namespaces/${RT_NAMESPACE}/pods/web`)).body;
      if (pod?.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.state?.running) break;
      if (Date.now() > deadline) throw new Error(`pod ${RT_NAMESPACE}/web not running after 180 s: ${JSON.stringify(pod?.status ?? {}).slice(0, 400)}`);
      await sleep(1000);
    }
    const node = pod.spec.nodeName;
    const kubeconfig = path.join(k.dir, 'bench-proxy.kubeconfig');
    writeKubeconfig(kubeconfig, proxy.url, k.identity);
    const env = benchEnv(k, kubeconfig);
    const tr = await api.call('POST', `/api/v1/namespaces/${RT_NAMESPACE}/serviceaccounts/web/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    if (tr.status !== 201) throw new Error(`TokenRequest: HTTP ${tr.status}`);
    const tokenFile = path.join(k.dir, 'token');
    writeFileSync(tokenFile, tr.body.status.token, { mode: 0o600 });

    const cases = [
      { id: 'kubectl get pod POD -o json', cmd: k.kubectl, args: ['get', 'pod', 'web', '-n', RT_NAMESPACE, '-o', 'json'] },
      { id: 'kubectl get pod/POD serviceaccount/SA node/NODE -o json', cmd: k.kubectl, args: ['get', 'pod/web', 'serviceaccount/web', `node/${node}`, '-n', RT_NAMESPACE, '-o', 'json'] },
      // exit 3: a finding worse than a warning, still a finished diagnosis
      // Both also call the API with the ServiceAccount's token: those requests are the ServiceAccount's.
      { id: 'diagnose POD', cmd: NODE, args: [BIN, 'diagnose', 'web', '-n', RT_NAMESPACE, '-o', 'json'], okCodes: [0, 3], target: 6, alsoAs: [`system:serviceaccount:${RT_NAMESPACE}:web`] },
      { id: 'test-auth TOKEN', cmd: NODE, args: [BIN, 'test-auth', '-', '-o', 'json'], stdin: tokenFile, okCodes: [0, 3], target: 4, alsoAs: [`system:serviceaccount:${RT_NAMESPACE}:web`] },
    ];
    // Not timed: kubectl fills its discovery cache, the plugin its code caches.
    for (const c of cases) await once(c, env, k, { log });
    const walls = new Map(cases.map((c) => [c.id, Object.fromEntries(LATENCIES.map((l) => [l, []]))]));
    const requests = new Map();
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        for (const latency of LATENCIES) {
          proxy.setLatency(latency);
          const r = await once(c, env, k, { count: latency === 0 && i === 0, log });
          walls.get(c.id)[latency].push(r.ms);
          if (r.requests !== undefined) requests.set(c.id, r);
        }
      }
      log(`real round trips: ${i + 1}/${runs}`);
    }
    proxy.setLatency(0);
    const baseline = median(walls.get(cases[0].id)[0]);
    const results = {};
    for (const c of cases) {
      const w = walls.get(c.id);
      const w0 = median(w[0]);
      results[c.id] = {
        requests: requests.get(c.id).requests,
        requestList: requests.get(c.id).requestList.map((q) => `${q.verb} ${q.uri.split('?')[0]}`),
        wallMs0: w0,
        vsKubectlGetPod: w0 / baseline,
        wallMs50: median(w[50]),
        roundTrips50: (median(w[50]) - w0) / 50,
        wallMsPrecise: median(w[PRECISE_MS]),
        roundTripsPrecise: (median(w[PRECISE_MS]) - w0) / PRECISE_MS,
        target: c.target,
      };
    }
    const rows = cases.map((c) => {
      const x = results[c.id];
      return [c.id, String(x.requests), `${Math.round(x.wallMs0)} ms`, `${x.vsKubectlGetPod.toFixed(2)}x`, x.roundTrips50.toFixed(1), x.roundTripsPrecise.toFixed(1), c.target ? `≤ ${c.target}` : undefined];
    });
    const text = table(
      `2r. Round trips, real cluster (${k.serverVersion}; requests from the audit log; added latency through a delaying proxy; median of ${runs})`,
      ['command', 'requests', 'wall @0ms', 'vs kubectl get pod', 'round trips @50', `round trips @${PRECISE_MS}`, 'target'],
      rows,
    );
    return { text, json: { backend: 'real', kubernetes: k.serverVersion, sharedCluster: k.shared, latenciesMs: LATENCIES, runs, results } };
  } finally {
    await proxy.stop();
    await deleteNamespaces(api, [RT_NAMESPACE], log).catch((e) => log(`real cleanup: ${e.message}`));
    api.close();
  }
}

export async function benchRealScale({ quick, log, objects, tokenFill = 'loader' }) {
  const n = objects ?? (quick ? 500 : 10_000);
  const runs = quick ? 1 : 3;
  const k = await cluster(log);
  const api = apiClient(k.server, k.identity);
  const namespaces = scaleNamespaces(n);
  try {
    const load = await loadScale(api, n, BUSYBOX_IMAGE, log, { tokenFill, pkiDir: path.join(k.runDir, 'pki') });
    const before = await countScale(api, n);
    log(`real scale: stored ${before.pods} pods (${before.pendingUnbound} Pending, unbound), ${before.tokenSecrets} token Secrets with a token; cluster-wide ${JSON.stringify(before.clusterWide)}`);
    const env = benchEnv(k, k.kubeconfig);
    const cases = [
      { id: 'kubectl get secrets,pods,serviceaccounts -A -o json', cmd: k.kubectl, args: ['get', 'secrets,pods,serviceaccounts', '-A', '-o', 'json'] },
      { id: 'bare client: GET every page (limit 500)', cmd: NODE, args: [path.join(ROOT, 'scripts/bench/list-pages.mjs')] },
      { id: 'migrate-legacy -A -o json', cmd: NODE, args: [BIN, 'migrate-legacy', '-A', '-o', 'json'] },
      { id: 'diagnose -A -o json', cmd: NODE, args: [BIN, 'diagnose', '-A', '-o', 'json'], okCodes: [0, 3] },
    ];
    for (const c of cases) await once(c, env, k, { log }); // warm caches, not timed
    const got = new Map(cases.map((c) => [c.id, []]));
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        log(`real scale: ${c.id} (${i + 1}/${runs})…`);
        got.get(c.id).push(await once(c, env, k, { rss: true, count: true, log }));
      }
    }
    const after = await countScale(api, n);
    if (after.pods !== before.pods || after.tokenSecrets !== before.tokenSecrets) {
      log(`real scale: WARNING the objects changed while measuring: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
    const yardstick = cases[0].id;
    const results = Object.fromEntries(cases.map((c) => {
      const xs = got.get(c.id);
      const lists = [...new Set(xs[0].requestList.filter((q) => q.verb === 'list').map((q) => q.resource))].sort();
      return [c.id, { wallMs: median(xs.map((x) => x.ms)), maxRssMB: Math.max(...xs.map((x) => x.maxRssMB ?? 0)) || undefined, requests: median(xs.map((x) => x.requests)), lists }];
    }));
    const rows = cases.map((c) => {
      const x = results[c.id];
      return [c.id, `${(x.wallMs / 1000).toFixed(2)} s`, `${(x.wallMs / results[yardstick].wallMs).toFixed(2)}x`, x.maxRssMB ? `${Math.round(x.maxRssMB)} MB` : undefined,
        x.maxRssMB && results[yardstick].maxRssMB ? `${(x.maxRssMB / results[yardstick].maxRssMB).toFixed(2)}x` : undefined, String(x.requests), x.lists.join(',')];
    });
    const text = table(
      `3r. Scale, real cluster (${k.serverVersion}): ${after.pods.toLocaleString('en')} unbound pods, ${after.tokenSecrets.toLocaleString('en')} token Secrets, ${load.serviceAccounts} ServiceAccounts in ${load.namespaces} namespaces in etcd (cluster-wide ${after.clusterWide.pods} pods, ${after.clusterWide.secrets} Secrets, ${after.clusterWide.serviceaccounts} ServiceAccounts); median of ${runs}, peak RSS the max`,
      ['command', 'wall', 'vs kubectl', 'peak RSS', 'RSS vs kubectl', 'requests', 'lists'],
      rows,
    );
    return { text, json: { backend: 'real', kubernetes: k.serverVersion, sharedCluster: k.shared, objects: n, load, countsBefore: before, countsAfter: after, runs, yardstick, results } };
  } finally {
    await deleteNamespaces(api, namespaces, log).catch((e) => log(`real cleanup: ${e.message}`));
    api.close();
  }
}
