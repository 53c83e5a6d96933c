/**
 * The demo's objects, one builder for both backends: the emulator's seed (demo.ts) creates them in
 * its store, the real tier (tests/real/support/demo-cluster.ts) applies them through the API as
 * manifests. Each case is keyed by its DEMO_CASES namespace; the caller maps it to the namespace it
 * uses (the real tier prefixes its own, so that it shares a dev cluster with others) and says what
 * the app's container is (an image the backend can run).
 *
 * What breaks after the pod started (a ServiceAccount deleted, a node stopped) is named, not done:
 * each backend does it its own way.
 */
export type Manifest = Record<string, any>;

/** Where the kubelet mounts a pod's own ServiceAccount token (k/k plugin/pkg/admission/serviceaccount DefaultAPITokenMountPath). */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Every demo app runs as this ServiceAccount, in a container of this name. */
export const APP = 'app';

export interface DemoObjects {
  /** The DEMO_CASES namespace this case stands for. */
  key: string;
  /** The namespace it is created in. */
  namespace: string;
  /** The Namespace first, then what the Deployment needs (ServiceAccount, RBAC, Secret), in creation order. */
  objects: Manifest[];
  /** The Deployment's name and pod template (its pods are the ones diagnosed). */
  deployment: { name: string; podSpec: Manifest; podAnnotations?: Record<string, string> };
  /** What happens once the pod runs: its ServiceAccount is deleted, or its node stops. */
  breaks?: 'serviceaccount-deleted' | 'node-stopped';
}

export interface DemoObjectOptions {
  /** The namespace a DEMO_CASES namespace is created as (default: itself). */
  namespace?: (key: string) => string;
  /** The app container's image and how it runs (the name and mounts are the builder's). */
  container: Manifest;
  /** Labels every demo Namespace carries (the emulator's workload controllers look for theirs). */
  namespaceLabels?: Record<string, string>;
  /** Pod annotations, by case (the emulator's kubelet reads how the app reads its token from one). */
  podAnnotations?: (key: string) => Record<string, string> | undefined;
}

/** The projected volume admission injects, written by hand with changes (an audience, a plain 1 h expiry). */
export function projectedTokenVolume(name: string, token: { audience?: string; expirationSeconds: number }): Manifest {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { ...token, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** What the app needs: to list pods in its namespace (what the guide checks, and diagnose's rbac). */
function grantListPods(ns: string): Manifest[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'app-pod-reader', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: APP, namespace: ns }],
    },
  ];
}

/** The objects of every demo case, in the order of DEMO_CASES' seed. */
export function demoObjects(opts: DemoObjectOptions): DemoObjects[] {
  const nsOf = opts.namespace ?? ((k: string) => k);
  const container = (extra: Manifest = {}): Manifest => ({ ...opts.container, name: APP, ...extra });
  const make = (
    key: string,
    rest: { serviceAccount?: Manifest; rbac?: boolean; extra?: (ns: string) => Manifest[]; name: string; podSpec: Manifest; breaks?: DemoObjects['breaks'] },
  ): DemoObjects => {
    const ns = nsOf(key);
    const objects: Manifest[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, ...(opts.namespaceLabels ? { labels: { ...opts.namespaceLabels } } : {}) } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: APP, namespace: ns }, ...(rest.serviceAccount ?? {}) },
      ...(rest.rbac === false ? [] : grantListPods(ns)),
      ...(rest.extra ? rest.extra(ns) : []),
    ];
    const podAnnotations = opts.podAnnotations?.(key);
    return { key, namespace: ns, objects, deployment: { name: rest.name, podSpec: rest.podSpec, ...(podAnnotations ? { podAnnotations } : {}) }, ...(rest.breaks ? { breaks: rest.breaks } : {}) };
  };
  const plain = { serviceAccountName: APP, containers: [container()] };
  const tokenAt = (volume: string) => container({ volumeMounts: [{ name: volume, mountPath: TOKEN_MOUNT_PATH, readOnly: true }] });
  return [
    // automount disabled on the ServiceAccount: the pod gets no token at all.
    make('diag-automount', { serviceAccount: { automountServiceAccountToken: false }, name: 'reporter', podSpec: plain }),
    // The ServiceAccount deleted after the pod started: its token names a ServiceAccount that is gone.
    make('diag-sa-deleted', { name: 'billing', podSpec: plain, breaks: 'serviceaccount-deleted' }),
    // A pod on a node whose kubelet stops: its plain one-hour token (no extended expiry) runs out.
    make('diag-expired', {
      name: 'worker',
      podSpec: { serviceAccountName: APP, automountServiceAccountToken: false, containers: [tokenAt('api-token')], volumes: [projectedTokenVolume('api-token', { expirationSeconds: 3600 })] },
      breaks: 'node-stopped',
    }),
    // A legacy Secret-based token mounted where the projected token belongs.
    make('diag-legacy', {
      name: 'ci-runner',
      extra: (ns) => [{ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'app-token', namespace: ns, annotations: { 'kubernetes.io/service-account.name': APP } } }],
      podSpec: { serviceAccountName: APP, containers: [tokenAt('legacy-token')], volumes: [{ name: 'legacy-token', secret: { secretName: 'app-token' } }] },
    }),
    // A projected token for Vault mounted where the app expects its API token.
    make('diag-audience', {
      name: 'secrets-sync',
      podSpec: { serviceAccountName: APP, automountServiceAccountToken: false, containers: [tokenAt('api-token')], volumes: [projectedTokenVolume('api-token', { audience: 'vault', expirationSeconds: 3600 })] },
    }),
    // An app that reads its token once at start and caches it.
    make('diag-app-cache', { name: 'legacy-operator', podSpec: plain }),
    // A healthy token that RBAC lets do nothing: 403, not 401.
    make('diag-forbidden', { rbac: false, name: 'dashboard', podSpec: plain }),
    // The reference: everything right.
    make('diag-healthy', { name: 'web', podSpec: plain }),
  ];
}

/** A Deployment of one replica running `podSpec`, as the demo's workloads are (labels app=<name>). */
export function deploymentManifest(namespace: string, d: DemoObjects['deployment']): Manifest {
  const labels = { app: d.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels, ...(d.podAnnotations ? { annotations: d.podAnnotations } : {}) }, spec: d.podSpec },
    },
  };
}
