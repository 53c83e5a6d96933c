/**
 * The launcher of the run-wide real cluster: its one-cluster-per-machine lock, its control channel
 * (reconfigure, setKubelet) and its stop. It changes the cluster's flags, stops its kubelet and in
 * the end stops the cluster, so it runs last (tests/support/sequencer.cjs) and first waits until no
 * other real-tier file of the run is still in flight (tests/real/support/in-flight-reporter.cjs).
 * The global tear-down then has nothing left to stop.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { realTierUnavailable } from './gate';
import { repo, kubectlIn, withEnv, type Run } from './support/cluster';
import { sharedCluster } from './support/shared';

const skip = realTierUnavailable();
const NS = 'real-lifecycle';
const LOCK = path.join(os.tmpdir(), 'kubectl-satoken-realcluster.lock');
const NODE = '127.0.0.1';
// The issuers scripts/realcluster/profiles.mjs gives the kubeadm and eks profiles.
const KUBEADM_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const EKS_ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90';
/** Set only when this test run's global set-up started the cluster (then this file may stop it). */
const launcherPid = process.env.SATOKEN_REAL_LAUNCHER_PID ? Number(process.env.SATOKEN_REAL_LAUNCHER_PID) : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The other real-tier files jest has handed out and not yet reported on (not the turn markers of turns.ts). */
function othersInFlight(dir: string): string[] {
  return readdirSync(dir).filter((n) => !n.startsWith('wait-') && n !== 'holder').map((f) => decodeURIComponent(f)).filter((f) => f !== __filename);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`the launcher: one cluster per machine, its control channel, its stop${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // Not `exclusive`: this file waits for every other one to end instead (below), which is stronger.
  const cluster = sharedCluster();
  const kubectl = (args: string[], input?: string): Promise<Run> => kubectlIn(cluster().kubeconfig, args, input);
  const issuerOfAFreshToken = async () => {
    const jwt = (await kubectl(['-n', NS, 'create', 'token', 'app', '--duration=10m'])).stdout.trim();
    return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')).iss as string;
  };
  const ready = async () => {
    const node = JSON.parse((await kubectl(['get', 'node', NODE, '-o', 'json'])).stdout);
    return node.status.conditions.find((c: { type: string }) => c.type === 'Ready') as { status: string; reason: string };
  };

  beforeAll(async () => {
    const dir = process.env.SATOKEN_REAL_IN_FLIGHT;
    if (dir) {
      // The reporter marks this file before the worker gets it: no marker means no tracking at all.
      if (!readdirSync(dir).map((f) => decodeURIComponent(f)).includes(__filename)) {
        throw new Error(`${dir} does not list this file: the in-flight reporter (jest.config.cjs reporters) is not active, so other files may still use the cluster`);
      }
      let said = false;
      const deadline = Date.now() + 80 * 60_000;
      // Marked as waiting meanwhile, so that a file waiting to have the cluster alone (turns.ts) goes on.
      const waiting = path.join(dir, `wait-shared.${encodeURIComponent(__filename)}`);
      writeFileSync(waiting, '');
      try {
        while (othersInFlight(dir).length > 0 && Date.now() < deadline) {
          if (!said) process.stderr.write(`lifecycle: waiting for ${othersInFlight(dir).map((f) => path.basename(f)).join(', ')} to finish with the cluster\n`);
          said = true;
          await sleep(2000);
        }
      } finally {
        rmSync(waiting, { force: true });
      }
      expect(othersInFlight(dir)).toEqual([]);
    }
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true', '--timeout=240s']);
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['-n', NS, 'create', 'serviceaccount', 'app']);
  }, 90 * 60_000);

  afterAll(async () => {
    // Whatever failed above, the cluster goes back to how it started, for whoever uses it next.
    if (!existsSync(cluster().runDir)) return;
    await cluster().setKubelet(true).catch((e) => process.stderr.write(`lifecycle: ${e.message}\n`));
    await cluster().restore().catch((e) => process.stderr.write(`lifecycle: ${e.message}\n`));
    await withEnv(cluster().kubeconfig, 'kubectl', ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  }, 600_000);

  test('a second start while the cluster runs says so in one line and exits 1', async () => {
    const holder = JSON.parse(readFileSync(LOCK, 'utf8')).pid as number;
    if (launcherPid !== undefined) expect(holder).toBe(launcherPid);
    const work = mkdtempSync(path.join(os.tmpdir(), 'satoken-real-second-'));
    try {
      const second = await new Promise<Run>((resolve) => {
        execFile(process.execPath, [path.join(repo, 'scripts/cluster.mjs'), '--real', '--kubeconfig', path.join(work, 'second')],
          { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
      });
      expect(second).toEqual({ code: 1, stdout: '', stderr: `error: a real cluster is already running on this machine (pid ${holder}); stop it first\n` });
      expect(existsSync(path.join(work, 'second'))).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 90_000);

  test('reconfigure({ profile: "eks" }) makes a fresh TokenRequest carry the EKS issuer; restore() brings kubeadm\'s back', async () => {
    expect(await issuerOfAFreshToken()).toBe(KUBEADM_ISSUER);
    const eks = await cluster().reconfigure({ profile: 'eks' });
    let back;
    try {
      // The eks profile also runs the real EKS pod identity webhook beside kube-apiserver.
      expect({ profile: eks.profile, restarted: eks.restarted }).toEqual({ profile: 'eks', restarted: ['kube-apiserver', 'pod-identity-webhook'] });
      expect(cluster().profile).toBe('eks');
      expect(await issuerOfAFreshToken()).toBe(EKS_ISSUER);
    } finally {
      // Restored even when an expectation failed, so that the next tests see the cluster as it started.
      back = await cluster().restore();
    }
    expect({ profile: back.profile, apiserverArgs: back.apiserverArgs }).toEqual({ profile: 'kubeadm', apiserverArgs: [] });
    // kube-apiserver with kubeadm's flags again, and the webhook stopped.
    expect(back.restarted).toEqual(['kube-apiserver', 'pod-identity-webhook']);
    expect(await issuerOfAFreshToken()).toBe(KUBEADM_ISSUER);
  }, 600_000);

  test('flags that keep a component from serving are refused and rolled back; the cluster keeps serving', async () => {
    await expect(cluster().reconfigure({ apiserverArgs: ['--service-account-max-token-expiration=not-a-duration'] }))
      .rejects.toThrow(/kube-apiserver exited \(1\): .*; it runs with its previous flags again$/);
    expect(await cluster().controlStatus()).toMatchObject({ profile: 'kubeadm', apiserverArgs: [], kubelet: true });
    expect(await issuerOfAFreshToken()).toBe(KUBEADM_ISSUER);
    await expect(cluster().reconfigure({ apiserverArgs: ['--secure-port=1'] })).rejects.toThrow(/--secure-port stays as the launcher set it/);
  }, 600_000);

  test('setKubelet(false) makes the node NotReady, setKubelet(true) Ready again (kube-controller-manager restarted with extra args meanwhile)', async () => {
    // kube-controller-manager marks a node whose kubelet stopped posting Unknown after
    // --node-monitor-grace-period, 50 s by default (k/k pkg/controller/nodelifecycle/config/v1alpha1/defaults.go);
    // 20 s here, still twice the kubelet's 10 s status and lease interval, keeps the wait short.
    const kcm = await cluster().reconfigure({ controllerManagerArgs: ['--node-monitor-grace-period=20s'] });
    expect({ restarted: kcm.restarted, controllerManagerArgs: kcm.controllerManagerArgs })
      .toEqual({ restarted: ['kube-controller-manager'], controllerManagerArgs: ['--node-monitor-grace-period=20s'] });
    const pids = JSON.parse(readFileSync(path.join(cluster().runDir, 'pids.json'), 'utf8')) as Array<{ name: string; pid: number }>;
    const kcmPid = pids.find((p) => p.name === 'kube-controller-manager')!.pid;
    expect(readFileSync(`/proc/${kcmPid}/cmdline`, 'utf8').split('\0')).toContain('--node-monitor-grace-period=20s');
    expect((await ready()).status).toBe('True');

    const stopped = await cluster().setKubelet(false);
    expect(stopped.kubelet).toBe(false);
    const deadline = Date.now() + 240_000;
    let condition = await ready();
    while (condition.status === 'True' && Date.now() < deadline) {
      await sleep(2000);
      condition = await ready();
    }
    // k/k pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth: "Kubelet stopped posting node status."
    expect(condition).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });

    const started = await cluster().setKubelet(true);
    expect(started.kubelet).toBe(true);
    expect((await ready()).status).toBe('True');
    const back = await cluster().restore();
    expect({ restarted: back.restarted, controllerManagerArgs: back.controllerManagerArgs }).toEqual({ restarted: ['kube-controller-manager'], controllerManagerArgs: [] });
  }, 900_000);

  (launcherPid === undefined ? test.skip : test)(`SIGTERM stops every process and unmounts everything it made${launcherPid === undefined
    ? ' (skipped: this test run did not start the cluster; whoever did stops it)' : ''}`, async () => {
    const { runDir } = cluster();
    const exitFile = process.env.SATOKEN_REAL_LAUNCHER_EXIT!;
    process.kill(launcherPid!, 'SIGTERM');
    const deadline = Date.now() + 180_000;
    while ((alive(launcherPid!) || !existsSync(exitFile)) && Date.now() < deadline) await sleep(500);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
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
    expect(existsSync(LOCK)).toBe(false);
  }, 240_000);
});
