/**
 * The small cluster the reliability tests break: namespace shop (ServiceAccount app, a running
 * pod web, a legacy token Secret app-legacy) and the upgraded legacy namespace of the
 * migrate-legacy tests; and one invocation of each subcommand that talks to the cluster.
 */
import { start, type Emulator } from '../../apiserver';
import { cli, type CliRun, type CliRunOptions } from '../../support/cli';

export const NS = 'shop';

export const SHOP = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: NS } },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: 'app-legacy', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'app' } },
  },
];

/** Pods are created through the API (admission injects the token volume, the kubelet starts them). */
export const WEB_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', annotations: { 'emulator.satoken.dev/image': 'busybox' } },
  spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'busybox' }] },
};

export async function startWorld(extra: unknown[] = [], opts: { latencyMs?: number } = {}): Promise<Emulator> {
  const k = await start({ objects: [...structuredClone(SHOP), ...structuredClone(extra)] as any, ...opts });
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, WEB_POD);
  if (r.status >= 300) throw new Error(`create pod: ${r.status} ${JSON.stringify(r.body)}`);
  // The first cluster command loads client-node (seconds on a busy machine): not part of any timing.
  await cli(['decode', '--secret', 'app-legacy', '-n', NS], { kubeconfig: k.kubeconfigPath });
  return k;
}

/** Every subcommand that talks to the cluster, as a user would run it against this world. */
export const CLUSTER_COMMANDS: Record<string, string[]> = {
  'decode --secret': ['decode', '--secret', 'app-legacy', '-n', NS],
  'decode --pod': ['decode', '--pod', 'web', '-n', NS],
  mint: ['mint', 'app', '-n', NS],
  'test-auth': ['test-auth', '--mint', 'app', '-n', NS],
  diagnose: ['diagnose', 'web', '-n', NS],
  'migrate-legacy': ['migrate-legacy', '-n', NS],
};

export interface TimedRun extends CliRun {
  ms: number;
}

export async function timed(args: string[], opts: CliRunOptions): Promise<TimedRun> {
  const t0 = Date.now();
  const r = await cli(args, opts);
  return { ...r, ms: Date.now() - t0 };
}

/** The `error:` lines of a run's stderr. */
export const errorLines = (r: CliRun) => r.stderr.split('\n').filter((l) => l.startsWith('error: '));

/** No stack trace and no "unexpected" crash report. */
export function noCrash(r: CliRun): void {
  if (/^\s+at /m.test(r.stderr) || /this is unexpected/.test(r.stderr)) throw new Error(`crashed:\n${r.stderr}`);
}
