/**
 * The real kubelet's token rotation, watched by apps inside a pod: the slow lane of the real tier.
 * A 600 s projected token (the least TokenRequest accepts) is replaced by the kubelet at about 80 %
 * of its life, 8 minutes, so the workloads are started right after the run-wide cluster is ready
 * (the jest global set-up calls startRotationWorkloads) and judged by rotation.slow.test.ts once the
 * rotation has happened, while the rest of the suite runs meanwhile.
 *
 * Two pods in one namespace, each with two busybox containers on the host network (a pod off it
 * cannot reach the API server) that call GET /api every few seconds with a bearer token, through
 * apicall (./apicall, a static Go client mounted from the host: busybox's wget cannot speak TLS to
 * kube-apiserver, see apicall/main.go); the shell decides which token it sends:
 * - `rereads` reads the token file before every request;
 * - `caches` reads it once at start and keeps it, as an app that caches its token does: after the
 *   rotation its token stays valid until exp (+ the API server's 60 s leeway, go-jose
 *   jwt.DefaultLeeway as k/k pkg/serviceaccount/claims.go Validate uses it), then it gets 401.
 * Pod `apart` gives each container a projected token volume of its own (600 s and 601 s: the
 * kubelet's token cache key holds expirationSeconds, k/k pkg/kubelet/token/token_manager.go keyFunc,
 * so the two get distinct tokens); pod `shared` mounts one 600 s volume in both, so they present the
 * same tokens and nothing in the audit log tells them apart.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kubectlIn, withEnv } from './cluster';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The least expirationSeconds a projected token may ask for (k/k pkg/apis/core/validation ValidateServiceAccountTokenProjection). */
export const TOKEN_SECONDS = 600;
/** Seconds between two requests of each container. */
export const PERIOD_S = 4;

/** What the workloads need of the cluster (a SharedCluster has both). */
export interface RotationCluster {
  kubeconfig: string;
  url: string;
}

export interface RotationWorkloads {
  namespace: string;
  /** The pods, each with containers `rereads` and `caches`. */
  apart: string;
  shared: string;
  /** When they were created (ms). */
  createdAt: number;
}

/** Where the set-up leaves the namespace for the test file (jest starts its workers after the global set-up). */
export const ROTATION_ENV = 'SATOKEN_REAL_ROTATION';

/** Where the containers find apicall (a hostPath volume of the directory it is built in). */
const APICALL_DIR = '/opt/satoken-apicall';

/**
 * The shell loop of one container. Each line: the UTC time, apicall's exit code and what it said
 * (the HTTP status, or the error); the token goes to apicall on stdin and is never printed.
 */
export function loop(port: string, reread: boolean): string {
  return [
    `T=$(cat ${SA_DIR}/token)`,
    'while true; do',
    ...(reread ? [`  T=$(cat ${SA_DIR}/token)`] : []),
    `  out=$(echo "$T" | timeout 30 ${APICALL_DIR}/apicall https://127.0.0.1:${port}/api ${SA_DIR}/ca.crt 2>&1); rc=$?`,
    '  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) rc=$rc $(echo $out | head -c 300)"',
    `  sleep ${PERIOD_S}`,
    'done',
  ].join('\n');
}

/** Builds apicall (static, stdlib only: no module download) into a directory of its own; returns the directory. */
export async function buildApiCall(): Promise<string> {
  const out = path.join(os.tmpdir(), 'satoken-rotation-apicall');
  mkdirSync(out, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    execFile('go', ['build', '-trimpath', '-o', path.join(out, 'apicall'), '.'], {
      cwd: path.join(__dirname, 'apicall'), timeout: 10 * 60_000,
      env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '-mod=mod' },
    }, (err, _stdout, stderr) => (err ? reject(new Error(`go build apicall: ${stderr || err.message}`)) : resolve()));
  });
  return out;
}

function tokenVolume(name: string, seconds: number): unknown {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: seconds } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

function container(name: string, port: string, volume: string, reread: boolean): unknown {
  return {
    name, image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command: ['sh', '-c', loop(port, reread)],
    volumeMounts: [{ name: volume, mountPath: SA_DIR, readOnly: true }, { name: 'apicall', mountPath: APICALL_DIR, readOnly: true }],
  };
}

/** The two pods as JSON objects (exported for the emulator-side test of their shape). */
export function rotationPods(namespace: string, port: string, names: { apart: string; shared: string }, apicallDir: string): unknown[] {
  const spec = (volumes: unknown[], containers: unknown[]) => ({
    serviceAccountName: 'app', automountServiceAccountToken: false, hostNetwork: true, terminationGracePeriodSeconds: 1,
    volumes: [...volumes, { name: 'apicall', hostPath: { path: apicallDir, type: 'Directory' } }], containers,
  });
  return [
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: names.apart, namespace, labels: { 'satoken-test': 'rotation' } },
      spec: spec(
        [tokenVolume('token-rereads', TOKEN_SECONDS + 1), tokenVolume('token-caches', TOKEN_SECONDS)],
        [container('rereads', port, 'token-rereads', true), container('caches', port, 'token-caches', false)],
      ),
    },
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: names.shared, namespace, labels: { 'satoken-test': 'rotation' } },
      spec: spec(
        [tokenVolume('token', TOKEN_SECONDS)],
        [container('rereads', port, 'token', true), container('caches', port, 'token', false)],
      ),
    },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds apicall (a second or so with a warm Go cache), creates the namespace, its ServiceAccount and
 * the two pods, and returns without waiting for them to run. Call it once the cluster serves; it records the namespace in process.env[ROTATION_ENV] for the
 * test file. `suffix` keeps runs apart on a shared cluster.
 */
export async function startRotationWorkloads(cluster: RotationCluster, suffix = `${Date.now().toString(36)}`): Promise<RotationWorkloads> {
  const namespace = `real-rot-${suffix}`;
  const port = new URL(cluster.url).port;
  const names = { apart: 'apart', shared: 'shared' };
  await kubectlIn(cluster.kubeconfig, ['create', 'namespace', namespace]);
  await kubectlIn(cluster.kubeconfig, ['-n', namespace, 'create', 'serviceaccount', 'app']);
  // kube-root-ca.crt is published into each namespace by a controller; a pod whose projected volume
  // names it waits in ContainerCreating until it exists, so the pods can be created now.
  const apicall = await buildApiCall();
  await kubectlIn(cluster.kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rotationPods(namespace, port, names, apicall) }));
  const w = { namespace, ...names, createdAt: Date.now() };
  process.env[ROTATION_ENV] = JSON.stringify(w);
  return w;
}

/** The workloads the set-up started in this run, if any (and if their namespace still exists). */
export async function startedWorkloads(cluster: RotationCluster): Promise<RotationWorkloads | undefined> {
  const text = process.env[ROTATION_ENV];
  if (!text) return undefined;
  const w = JSON.parse(text) as RotationWorkloads;
  const r = await withEnv(cluster.kubeconfig, 'kubectl', ['get', 'namespace', w.namespace, '-o', 'name']);
  return r.code === 0 ? w : undefined;
}

/** Deletes the namespace (and waits, up to a few minutes, so the pods are gone when the run ends). */
export async function stopRotationWorkloads(cluster: RotationCluster, w: RotationWorkloads): Promise<void> {
  await withEnv(cluster.kubeconfig, 'kubectl', ['delete', 'namespace', w.namespace, '--ignore-not-found', '--wait=true', '--timeout=180s'], undefined, 240_000);
  if (process.env[ROTATION_ENV] && JSON.parse(process.env[ROTATION_ENV]).namespace === w.namespace) delete process.env[ROTATION_ENV];
}

export { sleep };
