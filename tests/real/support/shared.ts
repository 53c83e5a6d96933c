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
import os from 'node:os';
import path from 'node:path';
import { startRealCluster } from './cluster';

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
   * Restarts the components whose flags change and resolves once they serve again. `profile` swaps
   * kube-apiserver's ServiceAccount flags for that provider's; the extra args are appended.
   */
  reconfigure(change: { profile?: string; apiserverArgs?: string[]; controllerManagerArgs?: string[] }): Promise<void>;
  /** Stops or starts the kubelet (a node whose kubelet stopped goes NotReady after the grace period). */
  setKubelet(running: boolean): Promise<void>;
}

const notYet = async (): Promise<never> => { throw new Error('not implemented yet'); };

/** The run-wide cluster the jest global set-up started, if it did. */
function runWide(): SharedCluster | undefined {
  const env = process.env;
  if (!env.SATOKEN_REAL_KUBECONFIG) return undefined;
  return {
    kubeconfig: env.SATOKEN_REAL_KUBECONFIG,
    url: env.SATOKEN_REAL_URL!,
    runDir: env.SATOKEN_REAL_RUN_DIR!,
    auditLog: env.SATOKEN_REAL_AUDIT_LOG!,
    profile: env.SATOKEN_REAL_PROFILE ?? 'kubeadm',
    reconfigure: notYet,
    setKubelet: notYet,
  };
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
    cluster = { kubeconfig, url: started.url, runDir: started.runDir, auditLog, profile: 'kubeadm', reconfigure: notYet, setKubelet: notYet };
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
