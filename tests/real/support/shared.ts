/**
 * The real cluster a test file uses. When the test run started one for every file (the jest global
 * set-up exports SATOKEN_REAL_KUBECONFIG and friends), that one; otherwise the file starts its own,
 * waiting while another holds the machine's one slot, and stops it after its last test.
 *
 * Files share the cluster, so each works in namespaces of its own (`real-<file>-…`) and leaves the
 * cluster as it found it: a file that changes flags (`reconfigure`) or stops the kubelet restores them
 * before it ends.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startRealCluster } from './cluster';

/** What reconfigure changes; what it leaves out takes the value the cluster started with. */
export interface ClusterChange {
  /** A provider profile of scripts/realcluster/profiles.mjs: kubeadm, eks, gke, aks, k3s. */
  profile?: string;
  /** Appended to kube-apiserver's flags (`--name=value`; a list flag such as --service-account-issuer grows). */
  apiserverArgs?: string[];
  /** Appended to kube-controller-manager's flags, e.g. `--legacy-service-account-token-clean-up-period=60s`. */
  controllerManagerArgs?: string[];
}

/** The launcher's answer to a control request. */
export interface ControlAnswer {
  ok: boolean;
  error?: string;
  profile: string;
  apiserverArgs: string[];
  controllerManagerArgs: string[];
  kubelet: boolean;
  restarted?: string[];
  seconds?: number;
}

export interface SharedCluster {
  /** The admin kubeconfig; `${kubeconfig}.env` puts the cluster's kubectl and dist/ first on PATH. */
  kubeconfig: string;
  url: string;
  /** The launcher's run directory: pki/ (sa.key signs ServiceAccount tokens, ca.crt), logs/. */
  runDir: string;
  /** kube-apiserver's audit log (JSON lines, level Metadata, blocking mode). */
  auditLog: string;
  /** The provider profile the cluster runs now. */
  profile: string;
  /**
   * Restarts the components whose flags change and resolves once they serve again (kube-apiserver's
   * /readyz, kube-controller-manager's /healthz). `profile` swaps kube-apiserver's ServiceAccount flags
   * for that provider's; the extra args are appended. Declarative: `reconfigure({})` brings back the
   * flags the cluster started with. Flags that fail to start are rolled back and the promise rejects.
   */
  reconfigure(change: ClusterChange): Promise<ControlAnswer>;
  /** `reconfigure({})`: the flags the cluster started with. */
  restore(): Promise<ControlAnswer>;
  /**
   * Stops the kubelet (resolves at once; its containers keep running, and the node goes NotReady after
   * kube-controller-manager's grace period, 50 s by default) or starts it again (resolves once the node
   * is Ready with a lease renewed by the new kubelet).
   */
  setKubelet(running: boolean): Promise<ControlAnswer>;
  /** What the cluster runs now (profile, extra args, whether the kubelet runs). */
  controlStatus(): Promise<ControlAnswer>;
}

/**
 * Sends one request line to the launcher's control socket and resolves with its answer line; a
 * refusal (`ok: false`) rejects with the launcher's one-line reason.
 */
export function control(socket: string, request: Record<string, unknown>, timeoutMs = 10 * 60_000): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket);
    let buf = '';
    const timer = setTimeout(() => { conn.destroy(); reject(new Error(`the control channel ${socket} did not answer ${JSON.stringify(request)} within ${timeoutMs / 1000} s`)); }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(request)}\n`));
    conn.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      const answer = JSON.parse(buf.slice(0, nl)) as ControlAnswer;
      if (answer.ok) resolve(answer);
      else reject(new Error(`the real cluster refused ${JSON.stringify(request)}: ${answer.error}`));
    });
    conn.on('error', (e) => { clearTimeout(timer); reject(new Error(`the control channel ${socket}: ${e.message}`)); });
    conn.on('close', () => { clearTimeout(timer); if (!buf.includes('\n')) reject(new Error(`the control channel ${socket} closed without an answer`)); });
  });
}

/** The SharedCluster of a cluster whose launcher listens on `socket`. */
function withControl(c: Omit<SharedCluster, 'reconfigure' | 'restore' | 'setKubelet' | 'controlStatus'>, socket: string): SharedCluster {
  const cluster: SharedCluster = {
    ...c,
    async reconfigure(change) {
      const answer = await control(socket, { op: 'reconfigure', ...change });
      cluster.profile = answer.profile;
      return answer;
    },
    restore: () => cluster.reconfigure({}),
    setKubelet: (running) => control(socket, { op: 'kubelet', running }),
    controlStatus: () => control(socket, { op: 'status' }),
  };
  return cluster;
}

/** The run-wide cluster the jest global set-up started, if it did. */
function runWide(): SharedCluster | undefined {
  const env = process.env;
  if (!env.SATOKEN_REAL_KUBECONFIG) return undefined;
  const runDir = env.SATOKEN_REAL_RUN_DIR!;
  return withControl({
    kubeconfig: env.SATOKEN_REAL_KUBECONFIG,
    url: env.SATOKEN_REAL_URL!,
    runDir,
    auditLog: env.SATOKEN_REAL_AUDIT_LOG!,
    profile: env.SATOKEN_REAL_PROFILE ?? 'kubeadm',
  }, env.SATOKEN_REAL_CONTROL ?? path.join(runDir, 'control.sock'));
}

/**
 * Call at the top of a test file's real-tier `describe`: registers the hooks that get the cluster
 * (a cold machine builds first: tens of minutes) and returns a getter for it, valid from `beforeAll`
 * on. With no run-wide cluster it starts one for the file and stops it after the file's last test.
 */
export function sharedCluster(): () => SharedCluster {
  let cluster: SharedCluster | undefined;
  let own: { child: ChildProcess; work: string } | undefined;
  beforeAll(async () => {
    cluster = runWide();
    if (cluster) return;
    const work = mkdtempSync(path.join(os.tmpdir(), 'satoken-real-'));
    const kubeconfig = path.join(work, 'config');
    const auditLog = path.join(work, 'audit.log');
    const started = await startRealCluster(kubeconfig, ['--audit-log', auditLog]);
    own = { child: started.child, work };
    cluster = withControl({ kubeconfig, url: started.url, runDir: started.runDir, auditLog, profile: 'kubeadm' }, path.join(started.runDir, 'control.sock'));
  }, 90 * 60_000);
  afterAll(async () => {
    if (own && own.child.exitCode === null) {
      own.child.kill('SIGTERM');
      await new Promise((r) => own!.child.once('exit', r));
    }
    if (own) rmSync(own.work, { recursive: true, force: true });
  }, 120_000);
  return () => {
    if (!cluster) throw new Error('the real cluster is not up (sharedCluster() getter used before beforeAll)');
    return cluster;
  };
}
