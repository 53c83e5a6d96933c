/**
 * The event recorder: core/v1 Events named `<object>.<16 hex>`, repeats folded into `count` and
 * `lastTimestamp` as client-go's EventCorrelator does.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster } from '../cluster';
import type { EventInput } from '../host';
import type { KubeObject } from '../store/types';

export function recordEvent(cluster: Cluster, e: EventInput): KubeObject {
  const type = cluster.type('', 'events');
  const same = cluster.store
    .list(type, e.namespace, { fieldSelector: `involvedObject.name=${e.involvedObject.name},reason=${e.reason}` })
    .items.find((x) => x.message === e.message && x.involvedObject?.uid === e.involvedObject.uid && x.source?.component === e.source.component);
  if (same) {
    const next = structuredClone(same);
    next.count = (next.count ?? 1) + 1;
    next.lastTimestamp = e.timestamp;
    delete next.metadata.resourceVersion;
    return cluster.store.update(type, next);
  }
  const ns = cluster.get('', 'namespaces', undefined, e.namespace);
  if (!ns) return { apiVersion: 'v1', kind: 'Event', metadata: { name: '' } };
  return cluster.store.create(type, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${e.involvedObject.name}.${randomBytes(8).toString('hex')}`, namespace: e.namespace },
    involvedObject: { apiVersion: 'v1', namespace: e.namespace, ...e.involvedObject },
    reason: e.reason,
    message: e.message,
    source: e.source,
    firstTimestamp: e.timestamp,
    lastTimestamp: e.timestamp,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host ?? '',
  });
}
