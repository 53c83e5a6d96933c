/**
 * The diagnose demo: one namespace per failure mode of the troubleshooting guide, each a
 * Deployment-owned pod (so that `kubectl delete pod` re-creates it, see demo-workloads.ts), and the
 * clock moved on two hours so that tokens age, rotate, expire and go stale as they would.
 *
 * Each entry of DEMO_CASES names its namespace and the root cause `diagnose` must find; the demo
 * script and its tests read them from here.
 */
import type { Cluster } from '../cluster';
import { advanceClock } from '../control/endpoints';
import { createObject } from '../objects';
import { TOKEN_MOUNT_PATH } from '../admission/pod';
import { demoObjects } from './demo-objects';
import { CONTROLLED_LABEL, createDeployment, startDemoWorkloadControllers } from './demo-workloads';
import type { KubeObject } from '../store/types';
import type { Scenario } from './index';

/** How the emulated app reads its token (the kubelet emulation's pod annotation: always | startup | never). */
export const APP_READS_ANNOTATION = 'emulator.satoken.dev/token-read';
/** The demo's time passes in steps; after each, the apps that re-read their token make a request. */
const STEP_SECONDS = 10 * 60;
/**
 * The time the demo lets pass after seeding: past the first token's warnafter and a 1 h expiry,
 * and ending between two kubelet rotations (at 50 and 100 minutes), so that an app's reads since
 * the last one show.
 */
export const DEMO_ELAPSED_SECONDS = 125 * 60;
/** The node whose kubelet stops (NotReady) in the expired-token case. */
export const STOPPED_NODE = 'node-3';

export interface DemoCase {
  namespace: string;
  /** What is wrong, in the demo's words. */
  title: string;
  /** The check diagnose must name as root cause; null = healthy. */
  rootCause: string | null;
  status: 'healthy' | 'degraded' | 'failing';
  /** Extra diagnose arguments an operator who knows the app would give (e.g. the rights it needs). */
  args?: string[];
  /**
   * The verdict needs the API server's audit log: run the emulator with `--audit-log FILE` and give
   * diagnose `--audit-log FILE`. (Which token an app presents shows only there: on a real node the
   * token file's access time does not show the app's reads.)
   */
  auditLog?: true;
}

export const DEMO_CASES: DemoCase[] = [
  { namespace: 'diag-automount', title: 'automount disabled on the ServiceAccount', rootCause: 'automount', status: 'failing' },
  { namespace: 'diag-sa-deleted', title: 'ServiceAccount deleted after the pod started', rootCause: 'serviceaccount-exists', status: 'failing' },
  { namespace: 'diag-expired', title: 'token expired: rotation stopped on a NotReady node', rootCause: 'node-ready', status: 'failing' },
  { namespace: 'diag-legacy', title: 'legacy Secret token mounted', rootCause: 'legacy-secret', status: 'degraded' },
  { namespace: 'diag-audience', title: 'custom projected token with the wrong audience', rootCause: 'audience', status: 'failing' },
  { namespace: 'diag-app-cache', title: 'app caches its token (stale past warnafter, seen in the audit log)', rootCause: 'app-token-reload', status: 'degraded', auditLog: true },
  // What a ServiceAccount may do is only a problem for a right the app needs: the operator names it.
  { namespace: 'diag-forbidden', title: 'healthy token, no RBAC for what the app needs (403)', rootCause: 'rbac', status: 'failing', args: ['--can', 'list', 'pods'] },
  { namespace: 'diag-healthy', title: 'healthy', rootCause: null, status: 'healthy' },
];

/** The emulator's demo app: an image it never pulls (its kubelet runs nothing), one container per pod. */
const EMULATED_CONTAINER = { image: 'example.com/shop/app:1.4' };

/** How each case's app reads its token: once at start (the caching app) or before each request. */
const readsOf = (key: string) => reads(key === 'diag-app-cache' ? 'startup' : 'always');

const reads = (how: 'startup' | 'always') => ({ [APP_READS_ANNOTATION]: how });

function setNodeReady(cluster: Cluster, name: string, ready: boolean): void {
  const t = cluster.type('', 'nodes');
  const node = cluster.store.get(t, undefined, name)!;
  const now = new Date(cluster.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = (node.status?.conditions ?? []).map((c: any) =>
    c.type === 'Ready'
      ? ready
        ? { ...c, status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: now }
        : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }
      : c,
  );
  cluster.store.update(t, { ...node, status: { ...node.status, conditions } });
}

export const demo: Scenario = {
  name: 'diagnose-demo',
  describe: 'one namespace per ServiceAccount token failure mode, for `kubectl satoken diagnose` (see DEMO_CASES)',
  advancesClockSeconds: DEMO_ELAPSED_SECONDS,
  seed(cluster: Cluster) {
    // The objects are the real tier's too (demo-objects.ts); the Deployments are made as the
    // emulator's controllers would own them, the expired case's pod bound to a node that stops.
    for (const c of demoObjects({ container: EMULATED_CONTAINER, namespaceLabels: { [CONTROLLED_LABEL]: 'true' }, podAnnotations: readsOf })) {
      for (const o of c.objects) createObject(cluster, o as KubeObject);
      if (c.breaks === 'node-stopped') {
        createObject(cluster, { apiVersion: 'v1', kind: 'Node', metadata: { name: STOPPED_NODE, labels: { 'kubernetes.io/hostname': STOPPED_NODE } }, spec: { unschedulable: true }, status: readyNodeStatus(cluster) });
      }
      createDeployment(cluster, c.namespace, c.deployment.name, c.deployment.podSpec, {
        ...(c.deployment.podAnnotations ? { podAnnotations: c.deployment.podAnnotations } : {}),
        ...(c.breaks === 'node-stopped' ? { nodeName: STOPPED_NODE } : {}),
      });
    }

    // Every pod starts (the kubelets mount its token, a `startup` app reads it once); then things break.
    advanceClock(cluster, 1);
    cluster.store.delete(cluster.type('', 'serviceaccounts'), 'diag-sa-deleted', 'app');
    setNodeReady(cluster, STOPPED_NODE, false);
    for (let t = 1; t < DEMO_ELAPSED_SECONDS; t += STEP_SECONDS) {
      advanceClock(cluster, Math.min(STEP_SECONDS, DEMO_ELAPSED_SECONDS - t));
      appsRequest(cluster);
    }
    startDemoWorkloadControllers(cluster);
  },
};

/**
 * The demo apps that re-read their token for each request (`always`) make one now: they read the
 * file. Every demo namespace (the label CONTROLLED_LABEL), so that the provider cases seeded before
 * this scenario (scenarios/providers/) behave alike.
 */
function appsRequest(cluster: Cluster): void {
  const namespaces = cluster.store.list(cluster.type('', 'namespaces'), undefined).items.filter((n) => n.metadata.labels?.[CONTROLLED_LABEL] === 'true');
  for (const n of namespaces) {
    for (const pod of cluster.store.list(cluster.type('', 'pods'), n.metadata.name).items) {
      if ((pod.metadata.annotations?.[APP_READS_ANNOTATION] ?? 'always') !== 'always') continue;
      void cluster.execRunner?.({ pod, container: pod.spec.containers[0].name, command: ['cat', `${TOKEN_MOUNT_PATH}/token`], tty: false });
    }
  }
}

/** A Ready node's status, copied from a bootstrap node (addresses aside). */
function readyNodeStatus(cluster: Cluster): Record<string, unknown> {
  const any = cluster.store.list(cluster.type('', 'nodes'), undefined).items[0];
  return { ...structuredClone(any?.status ?? {}), addresses: [{ type: 'InternalIP', address: '192.168.49.4' }, { type: 'Hostname', address: STOPPED_NODE }] };
}
