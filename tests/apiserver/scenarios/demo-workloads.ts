/**
 * Just enough of the Deployment and ReplicaSet controllers for the demo's fixes to work as on a
 * real cluster, in the namespaces the demo marks (label `demo.satoken.dev/controllers=true`):
 * - a deleted pod owned by a ReplicaSet is re-created from the ReplicaSet's template (through
 *   admission: a fresh ServiceAccount token, a Ready node);
 * - a ReplicaSet that could not create its pod (its ServiceAccount missing) retries when a
 *   ServiceAccount appears in the namespace, as the real controller's resync would;
 * - a Deployment whose pod template changes (`kubectl patch deployment`) rolls out: a new
 *   ReplicaSet `<deployment>-<pod-template-hash>` with the new template, the old one scaled to 0.
 * The emulator itself has no controllers; the demo needs these so that `kubectl delete pod` and
 * `kubectl patch deployment` fixes lead to the next diagnose, as they would on a cluster.
 */
import { createHash } from 'node:crypto';
import type { Cluster } from '../cluster';
import { recordEvent } from '../controllers/events';
import { createObject } from '../objects';
import { rfc3339 } from '../store/store';
import type { KubeObject, StoreEvent } from '../store/types';

export const CONTROLLED_LABEL = 'demo.satoken.dev/controllers';

/** The pod-template-hash of a template (a stable 10-character name suffix, as upstream derives one). */
export function templateHash(template: unknown): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Creates a Deployment, its ReplicaSet and `replicas` pods, owned as the controllers would; returns the pods. */
export function createDeployment(
  cluster: Cluster,
  namespace: string,
  name: string,
  podSpec: Record<string, unknown>,
  opts: { replicas?: number; podAnnotations?: Record<string, string>; /** Pod template labels beyond app=<name> (e.g. a webhook's opt-in label). */ podLabels?: Record<string, string>; /** Set on the pods only, as a scheduler would bind them. */ nodeName?: string } = {},
): KubeObject[] {
  const labels = { app: name };
  const template = { metadata: { labels: { ...(opts.podLabels ?? {}), ...labels }, ...(opts.podAnnotations ? { annotations: opts.podAnnotations } : {}) }, spec: podSpec };
  const replicas = opts.replicas ?? 1;
  const deploy = createObject(cluster, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: { replicas, selector: { matchLabels: labels }, template },
    status: { replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
  });
  const rs = createReplicaSet(cluster, deploy, template);
  const pods: KubeObject[] = [];
  for (let i = 0; i < replicas; i++) pods.push(createPod(cluster, rs, opts.nodeName));
  return pods;
}

function createReplicaSet(cluster: Cluster, deploy: KubeObject, template: any): KubeObject {
  const hash = templateHash(template);
  const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
  const name = `${deploy.metadata.name}-${hash}`;
  const existing = cluster.get('apps', 'replicasets', deploy.metadata.namespace, name);
  if (existing) return existing;
  return createObject(cluster, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: deploy.metadata.namespace,
      labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploy.metadata.name, uid: deploy.metadata.uid!, controller: true }],
    },
    spec: { replicas: deploy.spec.replicas ?? 1, selector: { matchLabels: labels }, template: { ...structuredClone(template), metadata: { ...(template.metadata ?? {}), labels } } },
    status: { replicas: deploy.spec.replicas ?? 1, observedGeneration: 1 },
  });
}

function createPod(cluster: Cluster, rs: KubeObject, nodeName?: string): KubeObject {
  const t = rs.spec.template;
  return createObject(cluster, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      name: '',
      namespace: rs.metadata.namespace,
      labels: structuredClone(t.metadata?.labels ?? {}),
      ...(t.metadata?.annotations ? { annotations: structuredClone(t.metadata.annotations) } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid!, controller: true }],
    },
    spec: { ...structuredClone(t.spec), ...(nodeName ? { nodeName } : {}) },
  });
}

const ownedBy = (o: KubeObject, owner: KubeObject) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);

/** Brings a ReplicaSet to its replica count; a pod admission refuses becomes a FailedCreate event. */
function syncReplicaSet(cluster: Cluster, rs: KubeObject): void {
  const pods = cluster.store.list(cluster.type('', 'pods'), rs.metadata.namespace).items.filter((p) => ownedBy(p, rs));
  for (let n = pods.length; n < (rs.spec.replicas ?? 1); n++) {
    try {
      createPod(cluster, rs);
    } catch (e) {
      recordEvent(cluster, {
        namespace: rs.metadata.namespace!,
        involvedObject: { kind: 'ReplicaSet', apiVersion: 'apps/v1', namespace: rs.metadata.namespace, name: rs.metadata.name, uid: rs.metadata.uid },
        type: 'Warning',
        reason: 'FailedCreate',
        message: `Error creating: ${(e as Error).message}`,
        source: { component: 'replicaset-controller' },
        timestamp: rfc3339(cluster.clock.now()),
      });
      return;
    }
  }
  for (const extra of pods.slice(rs.spec.replicas ?? 1)) cluster.store.delete(cluster.type('', 'pods'), extra.metadata.namespace, extra.metadata.name);
}

/** A new template: a ReplicaSet for it, every other ReplicaSet of the Deployment scaled to 0 (Recreate-like). */
function rollOut(cluster: Cluster, deploy: KubeObject): void {
  const rsType = cluster.type('apps', 'replicasets');
  const current = createReplicaSet(cluster, deploy, deploy.spec.template);
  for (const rs of cluster.store.list(rsType, deploy.metadata.namespace).items.filter((r) => ownedBy(r, deploy) && r.metadata.uid !== current.metadata.uid)) {
    const scaled = cluster.store.update(rsType, { ...rs, spec: { ...rs.spec, replicas: 0 } });
    syncReplicaSet(cluster, scaled);
  }
  syncReplicaSet(cluster, current);
}

/** Starts the controllers; returns the function that stops them. */
export function startDemoWorkloadControllers(cluster: Cluster): () => void {
  const controlled = (ns: string | undefined) => {
    const n = ns ? cluster.get('', 'namespaces', undefined, ns) : undefined;
    return n?.metadata.labels?.[CONTROLLED_LABEL] === 'true';
  };
  const replicaSetsIn = (ns: string) => cluster.store.list(cluster.type('apps', 'replicasets'), ns).items;
  const react = (e: StoreEvent) => {
    const o = e.object;
    if (!controlled(o.metadata.namespace)) return;
    const ns = o.metadata.namespace!;
    if (e.resource === 'pods' && e.type === 'DELETED') {
      const ref = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'ReplicaSet' && r.controller);
      const rs = ref && replicaSetsIn(ns).find((r) => r.metadata.uid === ref.uid);
      if (rs) syncReplicaSet(cluster, rs);
    } else if (e.resource === 'serviceaccounts' && e.type === 'ADDED') {
      for (const rs of replicaSetsIn(ns)) syncReplicaSet(cluster, rs);
    } else if (e.group === 'apps' && e.resource === 'deployments' && e.type === 'MODIFIED') {
      if (JSON.stringify(e.old?.spec?.template) !== JSON.stringify(o.spec?.template)) rollOut(cluster, o);
    }
  };
  // Controllers act after the request that triggered them has been answered, as real ones do.
  return cluster.store.subscribe((e) => {
    setImmediate(() => {
      try {
        react(e);
      } catch {
        // A controller error must not take the emulator down; the next event retries.
      }
    });
  });
}
