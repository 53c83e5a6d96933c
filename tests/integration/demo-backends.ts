/**
 * The diagnose demo on either backend, for tests that judge the plugin the same way on both: the
 * emulator seeded with the demo scenario, or a real cluster with the same cases applied through the
 * API (tests/real/support/demo-cluster.ts). Each factory registers its jest hooks; call it at the top
 * of a describe and use the getter from `beforeAll` on.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { diagnoseCommand } from '../../src/cli/commands/diagnose';
import { migrateLegacyCommand } from '../../src/cli/commands/migrate-legacy';
import { testAuthCommand } from '../../src/cli/commands/test-auth';
import { cli, type CliRun } from '../support/cli';
import { busyboxImage, cacheTheToken, realNamespace, setUpRealDemo, type RealDemo, type RealDemoEnv } from '../real/support/demo-cluster';
import { repo, withEnv } from '../real/support/cluster';
import { sharedCluster, type SharedCluster } from '../real/support/shared';
import { podIn } from './diagnose-support';

export interface DemoBackend {
  /** The namespace a DEMO_CASES namespace has on this backend. */
  ns(key: string): string;
  /** The name of the case's current pod. */
  pod(key: string): Promise<string>;
  /** A `kubectl satoken` command line, run as a user would (exit code, stdout, stderr). */
  run(argv: string[]): Promise<CliRun>;
  /** kube-apiserver's audit log, for diagnose --audit-log. */
  auditLog: string;
  /** Resolves once the case is as DEMO_CASES describes it (on the real cluster the caching app takes ~11 minutes). */
  ready(key: string): Promise<void>;
  /** kubectl of this backend's cluster, through a shell, as the printed fixes are run (exit code, stdout, stderr). */
  shell(command: string): Promise<CliRun>;
}

export function emulatorBackend(): () => DemoBackend & { emulator: Emulator } {
  let k: Emulator;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'satoken-demo-audit-'));
    k = await start({ scenarios: 'demo', auditLogPath: path.join(work, 'audit.log') });
  }, 120_000);
  afterAll(async () => {
    await k?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return () => ({
    emulator: k,
    ns: (key) => key,
    pod: async (key) => podIn(k, key),
    run: (argv) => cli(argv, { kubeconfig: k.kubeconfigPath, clock: () => k.clock.now(), commands: [diagnoseCommand, testAuthCommand, migrateLegacyCommand] }),
    auditLog: path.join(work, 'audit.log'),
    ready: async () => {},
    shell: () => Promise.reject(new Error('the emulator backend runs no shell here (tests/integration/diagnose-fix.test.ts does)')),
  });
}

/** The real cluster's demo, in namespaces `${prefix}…` and with a Node `${prefix}node-without-kubelet`. */
export function realBackend(prefix: string): () => DemoBackend & { cluster: SharedCluster; demo: RealDemo; env: RealDemoEnv } {
  const cluster = sharedCluster();
  let demo: RealDemo;
  let env: RealDemoEnv;
  let cached: Promise<void> | undefined;
  beforeAll(async () => {
    const c = cluster();
    const bundle = path.join(repo, 'dist', 'kubectl-satoken');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: npm run build first`);
    env = {
      kubectl: async (args, input) => {
        const r = await withEnv(c.kubeconfig, 'kubectl', args, input, 400_000);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
        return r.stdout;
      },
      kubeconfig: c.kubeconfig,
      runDir: c.runDir,
      prefix,
      log: (l) => process.stderr.write(`real demo: ${l}\n`),
    };
    demo = await setUpRealDemo(env, busyboxImage(repo));
    // The caching app's state takes the kubelet's first rotation (~8 minutes): wait for it beside the other tests.
    const key = 'diag-app-cache';
    const ns = demo.namespaceOf(key);
    cached = demo.podOf(key).then((pod) => cacheTheToken(env, ns, pod, demo.issuer));
    cached.catch(() => {}); // awaited by ready(); not an unhandled rejection meanwhile
  }, 20 * 60_000);
  afterAll(async () => {
    await cached?.catch(() => {});
    await demo?.cleanup();
  }, 10 * 60_000);
  return () => {
    const c = cluster();
    return {
      cluster: c,
      demo,
      env,
      ns: (key) => demo?.namespaceOf(key) ?? realNamespace(prefix, key),
      pod: (key) => demo.podOf(key),
      // Retaken when another user of a shared cluster changed it meanwhile (demo.settled).
      run: (argv) => demo.settled(() => withEnv(c.kubeconfig, path.join(repo, 'dist', 'kubectl-satoken'), argv, undefined, 300_000)),
      auditLog: c.auditLog,
      ready: async (key) => {
        if (key === 'diag-app-cache') await cached;
      },
      shell: (command) => withEnv(c.kubeconfig, 'sh', ['-c', command], undefined, 300_000),
    };
  };
}
