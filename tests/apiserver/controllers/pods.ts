/** The events a scheduler and kubelet record for a new running pod. */
import type { Cluster } from '../cluster';
import { rfc3339 } from '../store/store';
import type { KubeObject, StoreEvent } from '../store/types';
import { recordEvent } from './events';

export function podEvents(cluster: Cluster, e: StoreEvent): void {
  if (e.group !== '' || e.resource !== 'pods' || e.type !== 'ADDED') return;
  const pod = e.object;
  const node = pod.spec?.nodeName;
  if (!node || pod.metadata.annotations?.['kubernetes.io/config.mirror']) return;
  const ts = rfc3339(cluster.clock.now());
  const ns = pod.metadata.namespace!;
  const ref = { kind: 'Pod', apiVersion: 'v1', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid };
  recordEvent(cluster, { namespace: ns, involvedObject: ref, type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${ns}/${pod.metadata.name} to ${node}`, source: { component: 'default-scheduler' }, timestamp: ts });
  if (pod.status?.phase !== 'Running') return;
  containerEvents(cluster, pod, cluster.clock.now());
}

/** The kubelet's Pulled/Created/Started events of a pod whose containers start at `at`. */
export function containerEvents(cluster: Cluster, pod: KubeObject, at: Date): void {
  const node = pod.spec?.nodeName;
  const ts = rfc3339(at);
  const ns = pod.metadata.namespace!;
  const ref = { kind: 'Pod', apiVersion: 'v1', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid };
  for (const c of pod.spec.containers ?? []) {
    const sub = { ...ref, fieldPath: `spec.containers{${c.name}}` };
    const src = { component: 'kubelet', host: node };
    recordEvent(cluster, { namespace: ns, involvedObject: sub, type: 'Normal', reason: 'Pulled', message: `Container image "${c.image}" already present on machine`, source: src, timestamp: ts });
    recordEvent(cluster, { namespace: ns, involvedObject: sub, type: 'Normal', reason: 'Created', message: `Created container: ${c.name}`, source: src, timestamp: ts });
    recordEvent(cluster, { namespace: ns, involvedObject: sub, type: 'Normal', reason: 'Started', message: `Started container ${c.name}`, source: src, timestamp: ts });
  }
}

/**
 * Pod garbage collection of orphaned pods (pkg/controller/podgc/gc_controller.go gcOrphaned): pods
 * bound to a Node that no longer exists are deleted. Upstream waits a 40 s quarantine and re-checks
 * the Node through the API first, then marks the pod Failed (DisruptionTarget `DeletionByPodGC`)
 * and deletes it; the emulator deletes them when the Node is deleted (no timers: a lazy deletion
 * could let a client see them after the quarantine).
 */
export function podGC(cluster: Cluster, e: StoreEvent): void {
  if (e.group !== '' || e.resource !== 'nodes' || e.type !== 'DELETED') return;
  const pods = cluster.type('', 'pods');
  for (const pod of [...cluster.store.list(pods, undefined, { fieldSelector: `spec.nodeName=${e.object.metadata.name}` }).items]) {
    if (cluster.store.get(pods, pod.metadata.namespace, pod.metadata.name)) cluster.store.delete(pods, pod.metadata.namespace, pod.metadata.name);
  }
}
