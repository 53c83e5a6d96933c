/** The events a scheduler and kubelet record for a new running pod. */
import type { Cluster } from '../cluster';
import { rfc3339 } from '../store/store';
import type { StoreEvent } from '../store/types';
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
  for (const c of pod.spec.containers ?? []) {
    const sub = { ...ref, fieldPath: `spec.containers{${c.name}}` };
    const src = { component: 'kubelet', host: node };
    recordEvent(cluster, { namespace: ns, involvedObject: sub, type: 'Normal', reason: 'Pulled', message: `Container image "${c.image}" already present on machine`, source: src, timestamp: ts });
    recordEvent(cluster, { namespace: ns, involvedObject: sub, type: 'Normal', reason: 'Created', message: `Created container: ${c.name}`, source: src, timestamp: ts });
    recordEvent(cluster, { namespace: ns, involvedObject: sub, type: 'Normal', reason: 'Started', message: `Started container ${c.name}`, source: src, timestamp: ts });
  }
}
