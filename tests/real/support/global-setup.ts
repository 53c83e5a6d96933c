/**
 * Jest global set-up: one real cluster for the whole test run, shared by every real-tier file through
 * `sharedCluster()`. Started only when the tier can run here, some file of this run uses the cluster
 * (the sequencer counted them) and none is given already (SATOKEN_REAL_KUBECONFIG from the
 * environment: a cluster someone else runs). What the files need goes into process.env, which the
 * workers inherit (they are forked after this hook: @jest/core runJest, then jest-runner) and which
 * an in-band run shares outright.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { realTierUnavailable } from '../gate';
import { startRealCluster } from './cluster';

/** What the tear-down needs; the set-up and tear-down run in the same process and realm. */
export interface RunWideCluster {
  /** The launcher, when this run started the cluster. */
  child?: ChildProcess;
  /** Its kubeconfig, audit log and the in-flight markers. */
  work: string;
}
declare global {
  // eslint-disable-next-line no-var
  var __satokenRealRun: RunWideCluster | undefined;
}

export default async function globalSetup(): Promise<void> {
  const env = process.env;
  if (env.SATOKEN_REAL_CLUSTER_FILES === '0') return;
  if (realTierUnavailable()) return;
  const work = mkdtempSync(path.join(os.tmpdir(), 'satoken-real-run-'));
  env.SATOKEN_REAL_IN_FLIGHT ??= path.join(work, 'in-flight');
  mkdirSync(env.SATOKEN_REAL_IN_FLIGHT, { recursive: true });
  if (env.SATOKEN_REAL_KUBECONFIG) {
    process.stderr.write(`real tier: every file uses the cluster at ${env.SATOKEN_REAL_URL ?? '?'} (SATOKEN_REAL_KUBECONFIG is set)\n`);
    globalThis.__satokenRealRun = { work };
    return;
  }
  const kubeconfig = path.join(work, 'config');
  const auditLog = path.join(work, 'audit.log');
  const began = Date.now();
  process.stderr.write('real tier: starting the run-wide real cluster (a machine that never built it compiles Kubernetes, etcd, containerd and runc first: about 25 minutes on 2 cores)\n');
  const started = await startRealCluster(kubeconfig, ['--audit-log', auditLog], 30 * 60_000, (line) => {
    if (line.startsWith('realcluster:')) process.stderr.write(`real tier: ${line.slice('realcluster:'.length).trim()}\n`);
  });
  // The exit code, for the lifecycle test that stops the cluster from a worker (not the launcher's parent).
  started.child.once('exit', (code, signal) => writeFileSync(path.join(work, 'launcher-exit'), `${code ?? signal}\n`));
  Object.assign(env, {
    SATOKEN_REAL_KUBECONFIG: kubeconfig,
    SATOKEN_REAL_URL: started.url,
    SATOKEN_REAL_RUN_DIR: started.runDir,
    SATOKEN_REAL_AUDIT_LOG: auditLog,
    SATOKEN_REAL_PROFILE: 'kubeadm',
    SATOKEN_REAL_CONTROL: path.join(started.runDir, 'control.sock'),
    // Set only when this run started the cluster: then its lifecycle test may stop it.
    SATOKEN_REAL_LAUNCHER_PID: String(started.child.pid),
    SATOKEN_REAL_LAUNCHER_EXIT: path.join(work, 'launcher-exit'),
  });
  globalThis.__satokenRealRun = { child: started.child, work };
  process.stderr.write(`real tier: cluster ready at ${started.url} after ${Math.round((Date.now() - began) / 1000)} s\n`);
}
