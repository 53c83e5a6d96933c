/**
 * The token file's access time on a real node, and what app-token-reload makes of it.
 *
 * The kubelet mounts a projected volume read-only in the container (k/k pkg/kubelet/kubelet_pods.go
 * makeMounts, mustMountRO) and Linux moves no atime on a read through a read-only mount (fs/inode.c
 * touch_atime), while the kubelet reads every file back through its own writable mount on each
 * volume sync (pkg/volume/util/atomic_writer.go shouldWriteFile). So the atime says nothing of the
 * app, and the check must give neither verdict from it. On the run's shared cluster (sharedCluster()),
 * in the namespace real-atime, which the file deletes when it ends.
 *
 * Measured by hand here (v1.36.3, syncFrequency 10 s, 600 s tokens so that the kubelet rotates at
 * 8 min): the container's mount is `ro,relatime`, the kubelet's `rw,relatime`. A pod that never reads
 * had its rotated file written at 17:58:52.573 and its atime moved at 17:59:04.636 (12 s later: the
 * kubelet's sync); one reading every 3 s, written at 17:58:58.610, kept atime <= mtime through its
 * reads until 17:59:12.588 (14 s later, the same sync read-back). With the atime set back on the host,
 * a `kubectl exec … cat` left it, and a host `cat` moved it at once. main's check then said "the app
 * read the token after its last rotation" of both.
 */
import { readFileSync, readlinkSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { realTierUnavailable } from './gate';
import { repo, kubectlIn, withEnv as runWithEnv, type Run } from './support/cluster';
import { sharedCluster } from './support/shared';

const skip = realTierUnavailable();
const NS = 'real-atime';
const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Long before any write here: an atime set to it is one nothing has moved since. */
const LONG_AGO = new Date('2026-01-01T00:00:00Z');

let kubeconfig: string;
let runDir: string;

const withEnv = (cmd: string, args: string[], input?: string, timeout?: number): Promise<Run> => runWithEnv(kubeconfig, cmd, args, input, timeout);

const kubectl = (args: string[], input?: string): Promise<Run> => kubectlIn(kubeconfig, args, input);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pod whose projected volume carries the token and a ConfigMap we can change (mounted where admission mounts its own). */
function pod(name: string, command: string[]): unknown {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
    spec: {
      serviceAccountName: 'app', automountServiceAccountToken: false, hostNetwork: true, terminationGracePeriodSeconds: 1,
      volumes: [{
        name: 'api-token',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            { configMap: { name: 'bump', items: [{ key: 'v', path: 'bump' }] } },
          ],
        },
      }],
      containers: [{
        name: 'app', image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command,
        volumeMounts: [{ name: 'api-token', mountPath: DIR, readOnly: true }],
      }],
    },
  };
}

/** The token file as the kubelet wrote it on the host (through its own, writable mount). */
async function hostTokenFile(name: string): Promise<string> {
  const uid = (await kubectl(['-n', NS, 'get', 'pod', name, '-o', 'jsonpath={.metadata.uid}'])).stdout.trim();
  const vol = path.join(runDir, 'kubelet/pods', uid, 'volumes/kubernetes.io~projected/api-token');
  return path.join(vol, readlinkSync(path.join(vol, '..data')), 'token');
}

/** `stat` in the container: atime and mtime as nanosecond text. */
async function statInPod(name: string): Promise<{ atime: string; mtime: string }> {
  const [atime, mtime] = (await kubectl(['-n', NS, 'exec', name, '--', 'stat', '-L', '-c', '%x|%y', `${DIR}/token`])).stdout.trim().split('|');
  return { atime, mtime };
}

if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`the token file's access time on a real node${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cluster = sharedCluster();

  beforeAll(async () => {
    ({ kubeconfig, runDir } = cluster());
    // A long-running cluster may still hold it from an earlier run of this file.
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true', '--timeout=240s']);
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['-n', NS, 'create', 'serviceaccount', 'app']);
    await kubectl(['-n', NS, 'create', 'configmap', 'bump', '--from-literal=v=1']);
    // kube-root-ca.crt is published into each namespace by a controller: wait for it.
    const deadline = Date.now() + 60_000;
    while ((await withEnv('kubectl', ['-n', NS, 'get', 'configmap', 'kube-root-ca.crt'])).code !== 0 && Date.now() < deadline) await sleep(1000);
    await kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'List',
      items: [
        pod('reader', ['sh', '-c', `while true; do cat ${DIR}/token >/dev/null; sleep 1; done`]),
        pod('idle', ['sleep', '36000']),
      ],
    }));
    await kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=180s']);
  }, 600_000);

  afterAll(async () => {
    if (kubeconfig) await withEnv('kubectl', ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  }, 60_000);

  test('the container sees its token directory read-only', async () => {
    const mounts = (await kubectl(['-n', NS, 'exec', 'reader', '--', 'cat', '/proc/self/mountinfo'])).stdout.split('\n');
    const line = mounts.find((l) => l.split(' ')[4] === DIR);
    expect(line?.split(' ')[5]?.split(',')).toContain('ro');
  });

  test('reads in the container (the app every second, ours over exec) leave the atime; a read on the host moves it', async () => {
    // The kubelet's own read-back can land in any window (each sync); a window it did not touch shows
    // what the container's reads do. A writable mount would move the atime in every window.
    const file = await hostTokenFile('reader');
    let quiet = 0;
    for (let i = 0; i < 6 && quiet === 0; i++) {
      const before = statSync(file);
      utimesSync(file, LONG_AGO, before.mtime);
      await kubectl(['-n', NS, 'exec', 'reader', '--', 'cat', `${DIR}/token`]);
      await sleep(2500); // the app reads twice meanwhile
      const inPod = await statInPod('reader');
      if (statSync(file).atimeMs === LONG_AGO.getTime() && inPod.atime.startsWith('2026-01-01 00:00:00.000000000')) quiet++;
    }
    expect(quiet).toBe(1);
    readFileSync(file);
    expect(statSync(file).atimeMs).toBeGreaterThan(LONG_AGO.getTime());
  }, 180_000);

  test('for an app that never reads, the kubelet\'s own read-back moves the atime within a few syncs', async () => {
    const file = await hostTokenFile('idle');
    const { mtime } = statSync(file);
    utimesSync(file, LONG_AGO, mtime);
    const deadline = Date.now() + 60_000;
    while (statSync(file).atimeMs === LONG_AGO.getTime() && Date.now() < deadline) await sleep(1000);
    expect(statSync(file).atimeMs).toBeGreaterThanOrEqual(mtime.getTime());
  }, 120_000);

  test('app-token-reload after the kubelet rewrote the token file: neither pass nor warn for either app, a skip naming --audit-log', async () => {
    // A changed ConfigMap of the same volume makes the kubelet write the whole payload anew (AtomicWriter),
    // the token file included: what a rotation looks like, a minute after the containers started.
    const started = Date.parse((await kubectl(['-n', NS, 'get', 'pod', 'idle', '-o', 'jsonpath={.status.containerStatuses[0].state.running.startedAt}'])).stdout);
    await sleep(Math.max(0, started + 65_000 - Date.now()));
    await kubectl(['-n', NS, 'patch', 'configmap', 'bump', '--type', 'merge', '-p', '{"data":{"v":"2"}}']);
    for (const name of ['reader', 'idle']) {
      const deadline = Date.now() + 120_000;
      let st = await statInPod(name);
      // Rewritten (after the container started + 60 s), then read back by the kubelet (atime past mtime).
      while ((Date.parse(`${st.mtime.slice(0, 23).replace(' ', 'T')}Z`) < started + 60_000 || st.atime <= st.mtime) && Date.now() < deadline) {
        await sleep(2000);
        st = await statInPod(name);
      }
      expect(st.atime > st.mtime).toBe(true);
      const r = await withEnv(path.join(repo, 'dist/kubectl-satoken'), ['diagnose', name, '-n', NS, '-o', 'json']);
      const reload = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === 'app-token-reload');
      // Before: "the app read the token after its last rotation" (pass) for both — the kubelet's read.
      expect({ name, status: reload.status }).toEqual({ name, status: 'skip' });
      expect(reload.message).toMatch(/^not observable from the pod: the kubelet mounts the projected volume api-token read-only, .*diagnose --audit-log FILE/);
    }
  }, 300_000);
});
